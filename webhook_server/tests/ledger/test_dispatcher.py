"""The dispatcher over a real ledger: lane ordering, the worker cap, followups, failures, resume and stop."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from webhook_server.libs.pipeline.delivery import Delivery, DeliveryState
from webhook_server.libs.pipeline.dispatcher import Dispatcher, LanePhaseResult, ProcessFn
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.tests.ledger.helpers import record_delivery, wait_for_state


@dataclass
class ConcurrencyProbe:
    """A process function that sleeps at random and records who ran when, per key and overall."""

    delays: tuple[float, float] = (0.0, 0.01)
    order: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    active_by_key: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    active: int = 0
    max_active: int = 0
    overlaps: list[str] = field(default_factory=list)

    async def __call__(self, delivery: Delivery) -> LanePhaseResult:
        key = delivery.ordering_key
        self.active_by_key[key] += 1
        if self.active_by_key[key] > 1:
            self.overlaps.append(key)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        self.order[key].append(delivery.seq)
        try:
            await asyncio.sleep(random.uniform(*self.delays))
        finally:
            self.active -= 1
            self.active_by_key[key] -= 1
        return LanePhaseResult(outcome="success")


@pytest.fixture
async def make_dispatcher(ledger: Ledger) -> AsyncIterator[Callable[..., Awaitable[Dispatcher]]]:
    """Build and start dispatchers on the test ledger; stop them all at teardown."""
    started: list[Dispatcher] = []

    async def build(process: ProcessFn, max_workers: int = 4, *, start: bool = True) -> Dispatcher:
        dispatcher = Dispatcher(ledger, max_workers=max_workers, process=process)
        if start:
            await dispatcher.start()
        started.append(dispatcher)
        return dispatcher

    yield build
    for dispatcher in started:
        await dispatcher.stop(grace_seconds=0)


async def _status(ledger: Ledger, delivery_id: str) -> DeliveryState:
    row = await ledger.status_of(delivery_id)
    assert row is not None
    return row.status


@pytest.mark.slow
async def test_same_key_runs_in_seq_order_without_overlap_and_keys_run_in_parallel(
    ledger: Ledger, make_dispatcher: Callable[..., Awaitable[Dispatcher]]
) -> None:
    probe = ConcurrencyProbe()
    dispatcher = await make_dispatcher(probe, max_workers=4)
    expected: dict[str, list[int]] = defaultdict(list)
    keys = [f"pr:org/repo#{number}" for number in range(12)]

    for index in range(120):
        key = random.choice(keys)
        delivery = await record_delivery(ledger, f"d-{index}", key)
        expected[key].append(delivery.seq)
        dispatcher.submit(delivery)
    await dispatcher.wait_idle(timeout=60)

    assert probe.overlaps == []
    assert dict(probe.order) == dict(expected)
    assert 1 < probe.max_active <= 4
    assert await ledger.queue_depth() == 0
    assert {await _status(ledger, f"d-{index}") for index in range(120)} == {DeliveryState.SUCCEEDED}


async def test_worker_cap_is_never_exceeded(
    ledger: Ledger, make_dispatcher: Callable[..., Awaitable[Dispatcher]]
) -> None:
    release = asyncio.Event()
    running: list[str] = []

    async def blocked(delivery: Delivery) -> LanePhaseResult:
        running.append(delivery.delivery_id)
        await release.wait()
        return LanePhaseResult(outcome="success")

    dispatcher = await make_dispatcher(blocked, max_workers=3)
    for index in range(8):
        dispatcher.submit(await record_delivery(ledger, f"d-{index}", f"pr:org/repo#{index}"))
    await wait_for_state(ledger, "d-2", DeliveryState.RUNNING)
    await asyncio.sleep(0.2)

    assert running == ["d-0", "d-1", "d-2"]
    assert await ledger.queue_depth() == 5
    release.set()
    await dispatcher.wait_idle(timeout=10)
    assert sorted(running) == [f"d-{index}" for index in range(8)]


async def test_followup_runs_outside_the_lane_and_the_worker_slot(
    ledger: Ledger, make_dispatcher: Callable[..., Awaitable[Dispatcher]]
) -> None:
    followup_may_end = asyncio.Event()
    phases: list[str] = []

    async def process(delivery: Delivery) -> LanePhaseResult:
        phases.append(delivery.delivery_id)
        if delivery.delivery_id != "waits":
            return LanePhaseResult(outcome="success")

        async def wait_for_jobs() -> LanePhaseResult:
            await followup_may_end.wait()
            return LanePhaseResult(outcome="partial")

        return LanePhaseResult(outcome="unused", followup=wait_for_jobs)

    dispatcher = await make_dispatcher(process, max_workers=1)
    dispatcher.submit(await record_delivery(ledger, "waits", "pr:org/repo#1"))
    dispatcher.submit(await record_delivery(ledger, "same-lane", "pr:org/repo#1"))
    dispatcher.submit(await record_delivery(ledger, "other-lane", "pr:org/repo#2"))
    await ledger.wait_until_finished("same-lane", timeout=10)
    await ledger.wait_until_finished("other-lane", timeout=10)

    assert phases == ["waits", "same-lane", "other-lane"]
    assert await _status(ledger, "waits") is DeliveryState.RUNNING
    followup_may_end.set()
    row = await ledger.wait_until_finished("waits", timeout=10)
    assert (row.status, row.outcome) == (DeliveryState.SUCCEEDED, "partial")


@pytest.mark.parametrize(
    ("failure", "expected_outcome", "expected_error"),
    [
        ("phase-raises", "failed", "ValueError: phase broke"),
        ("followup-raises", "failed", "KeyError: 'missing'"),
        ("phase-reports-failure", "failed", "handler said no"),
    ],
    ids=["phase-raises", "followup-raises", "phase-reports-failure"],
)
async def test_failures_are_contained_and_recorded(
    ledger: Ledger,
    make_dispatcher: Callable[..., Awaitable[Dispatcher]],
    failure: str,
    expected_outcome: str,
    expected_error: str,
) -> None:
    async def broken_followup() -> LanePhaseResult:
        raise KeyError("missing")

    async def process(delivery: Delivery) -> LanePhaseResult:
        if delivery.delivery_id != "bad":
            return LanePhaseResult(outcome="success")
        if failure == "phase-raises":
            raise ValueError("phase broke")
        if failure == "followup-raises":
            return LanePhaseResult(outcome="success", followup=broken_followup)
        return LanePhaseResult(outcome="failed", succeeded=False, error="handler said no")

    dispatcher = await make_dispatcher(process)
    dispatcher.submit(await record_delivery(ledger, "bad"))
    dispatcher.submit(await record_delivery(ledger, "next-in-lane"))
    await dispatcher.wait_idle(timeout=10)

    bad = await ledger.status_of("bad")
    assert bad is not None
    assert (bad.status, bad.outcome, bad.error) == (DeliveryState.FAILED, expected_outcome, expected_error)
    assert await _status(ledger, "next-in-lane") is DeliveryState.SUCCEEDED


async def test_start_resumes_the_ledger_in_seq_order_and_merges_early_submits(
    ledger: Ledger, make_dispatcher: Callable[..., Awaitable[Dispatcher]]
) -> None:
    seen: list[tuple[str, int]] = []

    async def process(delivery: Delivery) -> LanePhaseResult:
        seen.append((delivery.delivery_id, delivery.attempts))
        return LanePhaseResult(outcome="success")

    await record_delivery(ledger, "interrupted")
    await ledger.mark_running("interrupted")
    await record_delivery(ledger, "waiting")
    dispatcher = await make_dispatcher(process, start=False)
    early = await record_delivery(ledger, "arrived-during-startup")
    dispatcher.submit(early)
    dispatcher.submit(early)

    await dispatcher.start()
    await dispatcher.wait_idle(timeout=10)

    assert seen == [("interrupted", 1), ("waiting", 0), ("arrived-during-startup", 0)]


async def test_a_delivery_submitted_twice_runs_once(
    ledger: Ledger, make_dispatcher: Callable[..., Awaitable[Dispatcher]]
) -> None:
    probe = ConcurrencyProbe(delays=(0.02, 0.02))
    dispatcher = await make_dispatcher(probe)
    delivery = await record_delivery(ledger, "twice")

    dispatcher.submit(delivery)
    dispatcher.submit(delivery)
    await dispatcher.wait_idle(timeout=10)

    assert sum(len(seqs) for seqs in probe.order.values()) == 1


async def test_stop_cancels_after_grace_and_the_next_start_resumes(
    ledger: Ledger, make_dispatcher: Callable[..., Awaitable[Dispatcher]]
) -> None:
    async def hangs(delivery: Delivery) -> LanePhaseResult:
        await asyncio.Event().wait()
        return LanePhaseResult(outcome="success")

    first = await make_dispatcher(hangs)
    first.submit(await record_delivery(ledger, "in-flight", "pr:org/repo#1"))
    first.submit(await record_delivery(ledger, "behind-it", "pr:org/repo#1"))
    await wait_for_state(ledger, "in-flight", DeliveryState.RUNNING)

    await first.stop(grace_seconds=0.1)
    first.submit(await record_delivery(ledger, "after-stop", "pr:org/repo#2"))
    await asyncio.sleep(0.05)

    assert await _status(ledger, "in-flight") is DeliveryState.RUNNING
    assert await _status(ledger, "behind-it") is DeliveryState.QUEUED
    assert await _status(ledger, "after-stop") is DeliveryState.QUEUED
    probe = ConcurrencyProbe()
    second = await make_dispatcher(probe)
    await second.wait_idle(timeout=10)
    assert {key: len(seqs) for key, seqs in probe.order.items()} == {"pr:org/repo#1": 2, "pr:org/repo#2": 1}
    row = await ledger.status_of("in-flight")
    assert row is not None
    assert (row.status, row.attempts) == (DeliveryState.SUCCEEDED, 1)


async def test_stop_lets_running_work_finish_within_grace(
    ledger: Ledger, make_dispatcher: Callable[..., Awaitable[Dispatcher]]
) -> None:
    async def quick(delivery: Delivery) -> LanePhaseResult:
        await asyncio.sleep(0.05)
        return LanePhaseResult(outcome="success")

    dispatcher = await make_dispatcher(quick)
    dispatcher.submit(await record_delivery(ledger, "quick"))
    await wait_for_state(ledger, "quick", DeliveryState.RUNNING)

    await dispatcher.stop(grace_seconds=10)

    assert await _status(ledger, "quick") is DeliveryState.SUCCEEDED


async def test_a_phase_cancelled_from_inside_stays_running_and_the_lane_goes_on(
    ledger: Ledger, make_dispatcher: Callable[..., Awaitable[Dispatcher]]
) -> None:
    async def process(delivery: Delivery) -> LanePhaseResult:
        if delivery.delivery_id == "self-cancelled":
            current = asyncio.current_task()
            assert current is not None
            current.cancel()
            await asyncio.sleep(1)
        return LanePhaseResult(outcome="success")

    dispatcher = await make_dispatcher(process)
    dispatcher.submit(await record_delivery(ledger, "self-cancelled"))
    dispatcher.submit(await record_delivery(ledger, "next"))
    await dispatcher.wait_idle(timeout=10)

    assert await _status(ledger, "self-cancelled") is DeliveryState.RUNNING
    assert await _status(ledger, "next") is DeliveryState.SUCCEEDED


async def test_ledger_errors_do_not_stop_the_lane(
    ledger: Ledger, ledger_path: Path, make_dispatcher: Callable[..., Awaitable[Dispatcher]]
) -> None:
    async def process(delivery: Delivery) -> LanePhaseResult:
        if delivery.delivery_id == "row-lost":
            with sqlite3.connect(ledger_path) as other:
                other.execute("DELETE FROM deliveries WHERE delivery_id = 'row-lost'")
        return LanePhaseResult(outcome="success")

    dispatcher = await make_dispatcher(process)
    recorded = await record_delivery(ledger, "template", "pr:org/repo#9")
    phantom = Delivery(**{**recorded.__dict__, "delivery_id": "phantom", "seq": recorded.seq + 100})
    dispatcher.submit(phantom)
    dispatcher.submit(await record_delivery(ledger, "row-lost"))
    dispatcher.submit(await record_delivery(ledger, "fine"))
    await dispatcher.wait_idle(timeout=10)

    assert await ledger.status_of("phantom") is None
    assert await ledger.status_of("row-lost") is None
    assert await _status(ledger, "fine") is DeliveryState.SUCCEEDED


async def test_wait_idle_times_out_while_work_runs(
    ledger: Ledger, make_dispatcher: Callable[..., Awaitable[Dispatcher]]
) -> None:
    async def hangs(delivery: Delivery) -> LanePhaseResult:
        await asyncio.Event().wait()
        return LanePhaseResult(outcome="success")

    dispatcher = await make_dispatcher(hangs)
    dispatcher.submit(await record_delivery(ledger, "hangs"))

    with pytest.raises(TimeoutError, match="still busy"):
        await dispatcher.wait_idle(timeout=0.1)
