"""Small builders shared by the ledger tests."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from webhook_server.libs.pipeline.delivery import Delivery, DeliveryState, RecordStatus
from webhook_server.libs.pipeline.ledger import Ledger


async def record_delivery(
    ledger: Ledger,
    delivery_id: str | None,
    ordering_key: str = "pr:org/repo#1",
    event: str = "pull_request",
    body: bytes | None = None,
) -> Delivery:
    """Record one delivery that must be queued (a small body unless given), and return it."""
    result = await ledger.record(
        header_delivery_id=delivery_id,
        event=event,
        action="opened",
        repository_full_name="org/repo",
        ordering_key=ordering_key,
        headers={"X-GitHub-Delivery": delivery_id or "", "User-Agent": "GitHub-Hookshot/test"},
        body=body
        or json.dumps({"action": "opened", "repository": {"full_name": "org/repo"}, "id": delivery_id}).encode(),
        received_at=datetime.now(UTC),
    )
    assert result.status is RecordStatus.QUEUED
    assert result.delivery is not None
    return result.delivery


async def wait_for_state(ledger: Ledger, delivery_id: str, state: DeliveryState, timeout: float = 10.0) -> None:
    """Poll the ledger until the delivery is in `state` (the dispatcher works in the background)."""
    async with asyncio.timeout(timeout):
        while (row := await ledger.status_of(delivery_id)) is None or row.status is not state:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
