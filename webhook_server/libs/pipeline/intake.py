"""What the HTTP intake hands to the pipeline: a validated delivery, and the error that tells GitHub to
redeliver when it could not be stored."""

from dataclasses import dataclass
from typing import Any


class PersistFailedError(Exception):
    """The ledger could not store the delivery; GitHub must see a failure to redeliver."""


@dataclass(frozen=True)
class AcceptedDelivery:
    """What intake hands to the ledger after validation."""

    header_delivery_id: str | None
    event: str
    headers: dict[str, str]
    body: bytes
    payload: dict[str, Any]  # only the fields intake reads (web/intake_fields.py); workers parse `body`
