"""Value types for one accepted webhook delivery and its state in the delivery ledger."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from webhook_server.utils.json_body import decode_json


class DeliveryState(enum.StrEnum):
    """Lifecycle of a delivery row: queued → running → succeeded | failed."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class Delivery:
    """One accepted webhook POST as stored in the ledger, ready to be processed."""

    seq: int
    delivery_id: str
    event: str
    action: str | None
    repository_full_name: str
    ordering_key: str
    headers: Mapping[str, str]
    body: bytes
    received_at: datetime
    attempts: int

    @cached_property
    def payload(self) -> dict[str, Any]:
        """The JSON object of the body (intake guarantees it is an object)."""
        parsed: dict[str, Any] = decode_json(self.body)
        return parsed


class RecordStatus(enum.Enum):
    """What the ledger did with a delivery handed over by intake."""

    QUEUED = "queued"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class RecordResult:
    """Answer of `Ledger.record`: the queued delivery, or `None` for a duplicate."""

    status: RecordStatus
    delivery: Delivery | None


@dataclass(frozen=True)
class DeliveryStatusRow:
    """Processing state of one delivery, as recorded in the ledger."""

    seq: int
    delivery_id: str
    status: DeliveryState
    outcome: str | None
    error: str | None
    attempts: int
    received_at: datetime
    started_at: datetime | None
    completed_at: datetime | None

    @property
    def finished(self) -> bool:
        """True once the delivery has succeeded or failed."""
        return self.status in (DeliveryState.SUCCEEDED, DeliveryState.FAILED)


def synthetic_pr_delivery(
    delivery_id: str,
    event: str,
    action: str | None,
    repository_full_name: str,
    number: int,
    *,
    payload: Mapping[str, Any],
) -> Delivery:
    """A delivery-shaped input for work on PR `number` that GitHub did not send (a deferred re-check, a drift
    reconciliation, an `/explain` request); it runs in the PR's lane and is never recorded in the ledger."""
    return Delivery(
        seq=0,
        delivery_id=delivery_id,
        event=event,
        action=action,
        repository_full_name=repository_full_name,
        ordering_key=f"pr:{repository_full_name}#{number}",
        headers={},
        body=json.dumps(payload).encode(),
        received_at=datetime.now(UTC),
        attempts=0,
    )
