"""Work submitted to a lane with `Dispatcher.run_in_lane`: ordering with deliveries, slots, reentry, stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from webhook_server.libs.pipeline.delivery import Delivery, DeliveryState
from webhook_server.libs.pipeline.dispatcher import Dispatcher, LanePhaseResult, current_lanes
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.tests.ledger.helpers import record_delivery, wait_for_state


class GatedProcess:
    """Lane phases that wait for their gate and log what ran, so tests control the interleaving."""

    def __init__(self) -> None:
        self.gates: dict[str, asyncio.Event] = {}
        self.log: list[str] = []
        self.dispatcher: Dispatcher | None = None
        self.inner_work: dict[str, str] = {}

    def gate(self, delivery_id: str) -> asyncio.Event:
        return self.gates.setdefault(delivery_id, asyncio.Event())

    async def __call__(self, delivery: Delivery) -> LanePhaseResult:
        self.log.append(f"start {delivery.delivery_id}")
        target = self.inner_work.get(delivery.delivery_id)
        if target is not None:
            assert self.dispatcher is not None
            await self.dispatcher.run_in_lane(target, self._inner(target))
        await self.gate(delivery.delivery_id).wait()
        self.log.append(f"end {delivery.delivery_id}")
        return LanePhaseResult(outcome="success")

    def _inner(self, target: str) -> Callable[[], Awaitable[None]]:
        async def work() -> None:
            self.log.append(f"inner {target} holding {sorted(current_lanes())}")

        return work


@pytest.fixture
async def gated(ledger: Ledger) -> AsyncIterator[tuple[Dispatcher, GatedProcess]]:
    """A started one-worker dispatcher whose lane phases wait for their gates."""
    process = GatedProcess()
    dispatcher = Dispatcher(ledger, max_workers=1, process=process)
    process.dispatcher = dispatcher
    await dispatcher.start()
    yield dispatcher, process
    await dispatcher.stop(grace_seconds=0)


async def test_lane_work_waits_for_the_running_delivery_and_goes_before_later_ones(
    ledger: Ledger, gated: tuple[Dispatcher, GatedProcess]
) -> None:
    dispatcher, process = gated
    dispatcher.submit(await record_delivery(ledger, "first"))
    await wait_for_state(ledger, "first", DeliveryState.RUNNING)

    async def lane_work() -> str:
        process.log.append("work")
        return "result"

    work = asyncio.create_task(dispatcher.run_in_lane("pr:org/repo#1", lane_work))
    await asyncio.sleep(0.05)
    dispatcher.submit(await record_delivery(ledger, "later"))
    process.gate("later").set()
    await asyncio.sleep(0.05)
    assert process.log == ["start first"]

    process.gate("first").set()

    assert await work == "result"
    await dispatcher.wait_idle(timeout=10)
    assert process.log == ["start first", "end first", "work", "start later", "end later"]


async def test_lane_work_from_inside_a_phase_reenters_its_own_lane_and_borrows_the_slot(
    ledger: Ledger, gated: tuple[Dispatcher, GatedProcess]
) -> None:
    dispatcher, process = gated
    process.inner_work = {"own-lane": "pr:org/repo#1", "other-lane": "pr:org/repo#2"}
    for delivery_id in ("own-lane", "other-lane"):
        process.gate(delivery_id).set()
        dispatcher.submit(await record_delivery(ledger, delivery_id))

    await dispatcher.wait_idle(timeout=10)

    assert process.log == [
        "start own-lane",
        "inner pr:org/repo#1 holding ['pr:org/repo#1']",
        "end own-lane",
        "start other-lane",
        "inner pr:org/repo#2 holding ['pr:org/repo#1', 'pr:org/repo#2']",
        "end other-lane",
    ]
    assert await ledger.queue_depth() == 0


async def test_a_caller_that_gives_up_waiting_is_skipped(
    ledger: Ledger, gated: tuple[Dispatcher, GatedProcess]
) -> None:
    dispatcher, process = gated
    dispatcher.submit(await record_delivery(ledger, "blocking"))
    await asyncio.sleep(0.05)
    ran: list[str] = []

    async def never() -> None:
        ran.append("never")

    async def afterwards() -> None:
        ran.append("afterwards")

    impatient = asyncio.create_task(dispatcher.run_in_lane("pr:org/repo#1", never))
    patient = asyncio.create_task(dispatcher.run_in_lane("pr:org/repo#1", afterwards))
    await asyncio.sleep(0.05)
    impatient.cancel()
    process.gate("blocking").set()
    await patient

    assert ran == ["afterwards"]
    assert impatient.cancelled()


async def test_stop_cancels_lane_work_still_waiting_and_refuses_new_work(
    ledger: Ledger, gated: tuple[Dispatcher, GatedProcess]
) -> None:
    dispatcher, _ = gated
    dispatcher.submit(await record_delivery(ledger, "blocking"))
    await wait_for_state(ledger, "blocking", DeliveryState.RUNNING)

    async def lane_work() -> None:
        return None

    waiting = asyncio.create_task(dispatcher.run_in_lane("pr:org/repo#1", lane_work))
    await asyncio.sleep(0.05)
    await dispatcher.stop(grace_seconds=0.1)

    with pytest.raises(asyncio.CancelledError):
        await waiting
    with pytest.raises(asyncio.CancelledError):
        await dispatcher.run_in_lane("pr:org/repo#3", lane_work)
    assert await ledger.queue_depth() == 0
    row = await ledger.status_of("blocking")
    assert row is not None
    assert row.status is DeliveryState.RUNNING
