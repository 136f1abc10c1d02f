"""Small builders shared by the ledger tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from webhook_server.libs.delivery import Delivery, RecordStatus
from webhook_server.libs.ledger import Ledger


async def record_delivery(
    ledger: Ledger, delivery_id: str | None, ordering_key: str = "pr:org/repo#1", event: str = "pull_request"
) -> Delivery:
    """Record one delivery that must be queued, and return it."""
    result = await ledger.record(
        header_delivery_id=delivery_id,
        event=event,
        action="opened",
        repository_full_name="org/repo",
        ordering_key=ordering_key,
        headers={"X-GitHub-Delivery": delivery_id or "", "User-Agent": "GitHub-Hookshot/test"},
        body=json.dumps({"action": "opened", "repository": {"full_name": "org/repo"}, "id": delivery_id}).encode(),
        received_at=datetime.now(UTC),
    )
    assert result.status is RecordStatus.QUEUED
    assert result.delivery is not None
    return result.delivery
