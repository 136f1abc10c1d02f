"""Missed-delivery recovery decisions (pure): the look-back window, and which deliveries of a hook to ask
GitHub to send again.

GitHub lists one row per delivery attempt; the attempts of one event share a `guid` (the
`X-GitHub-Delivery` header, the ledger's delivery id). An event is asked for again when every attempt
failed (GitHub never saw a 2xx), the ledger does not know its guid, and it was not asked for before.
A failed attempt whose guid the ledger knows was received (GitHub gave up waiting for the answer) and
a 2xx answer means intake handled it; neither is sent again.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

CLOCK_SKEW = timedelta(minutes=5)  # margin between GitHub's `delivered_at` and our `received_at`


@dataclass(frozen=True)
class DeliveryAttempt:
    """One row of GitHub's hook deliveries list."""

    attempt_id: int
    guid: str
    delivered_at: datetime
    status_code: int
    event: str
    action: str | None

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status_code < 300

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> "DeliveryAttempt":
        """From GitHub's `hook-delivery-item` JSON."""
        return cls(
            attempt_id=int(item["id"]),
            guid=str(item["guid"]),
            delivered_at=datetime.fromisoformat(str(item["delivered_at"]).replace("Z", "+00:00")),
            status_code=int(item["status_code"] or 0),
            event=str(item["event"]),
            action=item.get("action"),
        )


def window_start(now: datetime, lookback: timedelta, last_seen: datetime | None) -> datetime:
    """Where a scan starts: just before `last_seen` (the newest delivery the ledger saw, or the previous
    scan), never further back than `lookback`."""
    floor = now - lookback
    if last_seen is None:
        return floor
    return max(floor, last_seen - CLOCK_SKEW)


def redelivery_choices(
    attempts: Iterable[DeliveryAttempt], known: Collection[str], requested: Collection[str]
) -> list[DeliveryAttempt]:
    """The newest attempt of each event to send again, oldest event first.

    `known`: guids the ledger recorded; `requested`: guids a redelivery was already asked for.
    """
    by_guid: dict[str, list[DeliveryAttempt]] = {}
    for attempt in attempts:
        by_guid.setdefault(attempt.guid, []).append(attempt)
    chosen = [
        max(group, key=lambda attempt: attempt.attempt_id)
        for guid, group in by_guid.items()
        if guid not in known and guid not in requested and not any(attempt.succeeded for attempt in group)
    ]
    return sorted(chosen, key=lambda attempt: attempt.attempt_id)
