"""Ledger state after intake: resume order, the 3-attempts rule, status, waiting, queue metrics, prune."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from webhook_server.libs.pipeline.delivery import DeliveryState
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.pipeline.ledger.deliveries import UnknownDeliveryError
from webhook_server.tests.ledger.helpers import record_delivery


@pytest.fixture
def ledger(any_ledger: Ledger) -> Ledger:
    """These rules hold on both backends: every test runs on SQLite and on PostgreSQL."""
    return any_ledger


async def test_resume_returns_queued_and_running_in_seq_order(ledger: Ledger) -> None:
    first = await record_delivery(ledger, "a", "pr:org/repo#1")
    second = await record_delivery(ledger, "b", "pr:org/repo#2")
    third = await record_delivery(ledger, "c", "pr:org/repo#1")
    await record_delivery(ledger, "done")
    await ledger.mark_running("b")
    await ledger.mark_running("done")
    await ledger.mark_finished("done", succeeded=True, outcome="success", error=None)

    resumed = await ledger.resumable()

    assert [delivery.delivery_id for delivery in resumed] == ["a", "b", "c"]
    assert [delivery.seq for delivery in resumed] == [first.seq, second.seq, third.seq]
    assert [delivery.attempts for delivery in resumed] == [0, 1, 0], "only the interrupted one counts an attempt"
    row = await ledger.status_of("b")
    assert row is not None
    assert row.status is DeliveryState.QUEUED


async def test_resume_twice_does_not_count_attempts_twice(ledger: Ledger) -> None:
    await record_delivery(ledger, "x")
    await ledger.mark_running("x")

    await ledger.resumable()
    [again] = await ledger.resumable()

    assert again.attempts == 1


async def test_third_interrupted_attempt_is_abandoned(ledger: Ledger) -> None:
    await record_delivery(ledger, "crashy")
    await record_delivery(ledger, "calm")
    attempts_seen = []

    for _ in range(3):
        await ledger.mark_running("crashy")
        resumed = {delivery.delivery_id: delivery for delivery in await ledger.resumable()}
        attempts_seen.append(resumed["crashy"].attempts if "crashy" in resumed else None)

    assert attempts_seen == [1, 2, None]
    row = await ledger.status_of("crashy")
    assert row is not None
    assert (row.status, row.error, row.attempts) == (DeliveryState.FAILED, "abandoned after 3 attempts", 3)
    assert row.completed_at is not None
    assert [delivery.delivery_id for delivery in await ledger.resumable()] == ["calm"]


async def test_status_row_tracks_the_lifecycle(ledger: Ledger) -> None:
    await record_delivery(ledger, "life")
    queued = await ledger.status_of("life")
    await ledger.mark_running("life")
    running = await ledger.status_of("life")
    await ledger.mark_finished("life", succeeded=False, outcome="failed", error="ValueError: bad")
    failed = await ledger.status_of("life")

    assert queued is not None
    assert running is not None
    assert failed is not None
    assert (queued.status, queued.started_at, queued.finished) == (DeliveryState.QUEUED, None, False)
    assert running.status is DeliveryState.RUNNING
    assert running.started_at is not None
    assert (failed.status, failed.outcome, failed.error, failed.finished) == (
        DeliveryState.FAILED,
        "failed",
        "ValueError: bad",
        True,
    )
    assert failed.completed_at is not None
    assert failed.completed_at >= running.started_at
    assert await ledger.status_of("never-seen") is None


async def test_state_change_of_an_unknown_delivery_fails(ledger: Ledger) -> None:
    with pytest.raises(UnknownDeliveryError, match="ghost"):
        await ledger.mark_running("ghost")
    with pytest.raises(UnknownDeliveryError, match="ghost"):
        await ledger.mark_finished("ghost", succeeded=True, outcome="success", error=None)


async def test_concurrent_status_changes_share_commits_and_keep_their_own_errors(ledger: Ledger) -> None:
    ids = [f"burst-{index}" for index in range(30)]
    for delivery_id in ids:
        await record_delivery(ledger, delivery_id, ordering_key=f"pr:org/repo#{delivery_id}")

    started = await asyncio.gather(*(ledger.mark_running(i) for i in [*ids, "ghost"]), return_exceptions=True)
    finished = await asyncio.gather(
        *(ledger.mark_finished(i, succeeded=True, outcome="success", error=None) for i in [*ids, "ghost"]),
        return_exceptions=True,
    )

    for results in (started, finished):
        assert results[:-1] == [None] * len(ids)  # the unknown id in the same batch fails alone
        assert isinstance(results[-1], UnknownDeliveryError)
    rows = [await ledger.status_of(delivery_id) for delivery_id in ids]
    assert {(row.status, row.outcome) for row in rows if row is not None} == {(DeliveryState.SUCCEEDED, "success")}
    assert all(row is not None and row.started_at is not None for row in rows)


async def test_wait_until_finished_wakes_when_the_delivery_finishes(ledger: Ledger) -> None:
    await record_delivery(ledger, "awaited")

    async def finish_later() -> None:
        await asyncio.sleep(0.05)
        await ledger.mark_finished("awaited", succeeded=True, outcome="skipped:ping", error=None)

    finisher = asyncio.create_task(finish_later())
    row = await ledger.wait_until_finished("awaited", timeout=5)
    await finisher

    assert (row.status, row.outcome) == (DeliveryState.SUCCEEDED, "skipped:ping")


async def test_wait_until_finished_times_out(ledger: Ledger) -> None:
    await record_delivery(ledger, "stuck")

    with pytest.raises(TimeoutError, match="stuck"):
        await ledger.wait_until_finished("stuck", timeout=0.1)


async def test_queue_depth_and_oldest_age_count_only_queued(ledger: Ledger) -> None:
    assert await ledger.queue_depth() == 0
    assert await ledger.oldest_queued_age_seconds() is None
    await ledger.record(
        header_delivery_id="old",
        event="push",
        action=None,
        repository_full_name="org/repo",
        ordering_key="ref:org/repo:refs/tags/v1",
        headers={},
        body=b"{}",
        received_at=datetime.now(UTC) - timedelta(seconds=90),
    )
    await record_delivery(ledger, "new")
    await record_delivery(ledger, "started")
    await ledger.mark_running("started")

    assert await ledger.queue_depth() == 2
    age = await ledger.oldest_queued_age_seconds()
    assert age is not None
    assert 90 <= age < 150


@pytest.mark.parametrize(
    ("days_later", "retention_days", "expected_left"),
    [
        (3, 7, {"queued", "running", "succeeded", "failed"}),
        (8, 7, {"queued", "running"}),
        (8, 14, {"queued", "running", "succeeded", "failed"}),
        (400, 7, {"queued", "running"}),
    ],
    ids=["within-retention", "past-retention", "longer-retention", "unfinished-never-pruned"],
)
async def test_prune_drops_only_finished_deliveries_past_retention(
    ledger: Ledger, days_later: int, retention_days: int, expected_left: set[str]
) -> None:
    for delivery_id in ("queued", "running", "succeeded", "failed"):
        await record_delivery(ledger, delivery_id)
    await ledger.mark_running("running")
    await ledger.mark_finished("succeeded", succeeded=True, outcome="success", error=None)
    await ledger.mark_finished("failed", succeeded=False, outcome="failed", error="boom")

    removed = await ledger.prune(retention_days=retention_days, now=datetime.now(UTC) + timedelta(days=days_later))

    left = {name for name in ("queued", "running", "succeeded", "failed") if await ledger.status_of(name) is not None}
    assert left == expected_left
    assert removed == 4 - len(expected_left)


async def test_housekeeping_prunes_periodically_until_cancelled(ledger: Ledger) -> None:
    await record_delivery(ledger, "finished")
    await ledger.mark_finished("finished", succeeded=True, outcome="success", error=None)

    housekeeping = asyncio.create_task(ledger.run_housekeeping(retention_days=0, interval_seconds=0.01))
    try:
        async with asyncio.timeout(5):
            while await ledger.status_of("finished") is not None:  # noqa: ASYNC110 - polling the file is the point
                await asyncio.sleep(0.01)
    finally:
        housekeeping.cancel()
        with pytest.raises(asyncio.CancelledError):
            await housekeeping


async def test_latest_received_at_and_knows_delivery_answer_for_any_state(ledger: Ledger) -> None:
    assert await ledger.latest_received_at() is None
    assert not await ledger.knows_delivery("first")
    before = datetime.now(UTC)
    await record_delivery(ledger, "first")
    await ledger.mark_running("first")
    await ledger.mark_finished("first", succeeded=False, outcome="failed", error="boom")

    latest = await ledger.latest_received_at()

    assert latest is not None
    assert latest >= before
    assert await ledger.knows_delivery("first"), "a failed delivery is still known"
    assert not await ledger.knows_delivery("second")
