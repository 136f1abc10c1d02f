"""Intake's dedup decision for one batch (intake.md §4.2), as a table: what is inserted, with which attempts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from webhook_server.libs.pipeline.ledger.recording import (
    UNKNOWN_DELIVERY_PREFIX,
    Existing,
    IncomingDelivery,
    delivery_id_of,
    plan_batch,
)


def _incoming(delivery_id: str | None) -> IncomingDelivery:
    return IncomingDelivery(
        header_delivery_id=delivery_id,
        event="push",
        action=None,
        repository_full_name="org/repo",
        ordering_key="ref:org/repo:refs/heads/main",
        headers={},
        body=b"{}",
        received_at=datetime.now(UTC),
    )


@pytest.mark.parametrize(
    ("ids", "existing", "expected"),
    [
        (["a", "b"], {}, [("a", 0, False), ("b", 0, False)]),
        (["a", "a", "a"], {}, [("a", 0, False), None, None]),
        (["a"], {"a": Existing("queued", 0)}, [None]),
        (["a"], {"a": Existing("running", 1)}, [None]),
        (["a"], {"a": Existing("succeeded", 0)}, [None]),
        (["a"], {"a": Existing("failed", 2)}, [("a", 3, True)]),
        (["a", "a"], {"a": Existing("failed", 0)}, [("a", 1, True), None]),
        (["a", "b", "a"], {"b": Existing("succeeded", 0)}, [("a", 0, False), None, None]),
    ],
    ids=[
        "new-ids",
        "repeated-in-batch",
        "queued",
        "running",
        "succeeded",
        "failed-requeued",
        "failed-then-repeated",
        "mixed",
    ],
)
def test_plan_follows_the_dedup_table(
    ids: list[str], existing: dict[str, Existing], expected: list[tuple[str, int, bool] | None]
) -> None:
    planned = plan_batch(ids, [_incoming(delivery_id) for delivery_id in ids], existing)

    got = [None if plan is None else (plan.delivery_id, plan.attempts, plan.replaces) for plan in planned]
    assert got == expected


@pytest.mark.parametrize("header", [None, ""], ids=["absent", "empty"])
def test_a_delivery_without_id_gets_a_fresh_unknown_id(header: str | None) -> None:
    first, second = delivery_id_of(_incoming(header)), delivery_id_of(_incoming(header))

    assert first.startswith(UNKNOWN_DELIVERY_PREFIX)
    assert first != second
    assert delivery_id_of(_incoming("d-1")) == "d-1"
