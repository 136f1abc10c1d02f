"""Coalesced merge evaluations: bursts collapse, one runs and one waits, no wait without pending work, a
bounded wait with it, changes already seen, lane, failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from webhook_server.libs.pipeline.delivery import Delivery
from webhook_server.libs.pipeline.dispatcher import Dispatcher, LanePhaseResult
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.pipeline.merge_evaluations import MergeEvaluations
from webhook_server.tests.ledger.helpers import record_delivery

PR = "pr:org/repo#5"
QUIET = 0.1


@dataclass
class EvaluationLog:
    """Evaluations that ran: which requester's function, when, and whether two ever overlapped."""

    ran: list[str] = field(default_factory=list)
    started_at: list[float] = field(default_factory=list)
    active: int = 0
    overlapped: bool = False
    gate: asyncio.Event | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)

    def evaluation_for(self, hook_id: str) -> Callable[[], Awaitable[None]]:
        async def evaluate() -> None:
            self.active += 1
            self.overlapped = self.overlapped or self.active > 1
            self.ran.append(hook_id)
            self.started_at.append(asyncio.get_running_loop().time())
            self.started.set()
            try:
                if self.gate is not None:
                    await self.gate.wait()
            finally:
                self.active -= 1

        return evaluate


async def _blocked_until_set(gates: dict[str, asyncio.Event], delivery: Delivery) -> LanePhaseResult:
    await gates.setdefault(delivery.delivery_id, asyncio.Event()).wait()
    return LanePhaseResult(outcome="success")


@pytest.fixture
async def dispatcher(ledger: Ledger) -> AsyncIterator[tuple[Dispatcher, dict[str, asyncio.Event]]]:
    """A started dispatcher whose delivery phases wait for a per-delivery gate."""
    gates: dict[str, asyncio.Event] = {}

    async def process(delivery: Delivery) -> LanePhaseResult:
        return await _blocked_until_set(gates, delivery)

    started = Dispatcher(ledger, max_workers=4, process=process)
    await started.start()
    yield started, gates
    await started.stop(grace_seconds=0)


@pytest.fixture
async def evaluations(
    dispatcher: tuple[Dispatcher, dict[str, asyncio.Event]],
) -> AsyncIterator[MergeEvaluations]:
    """Merge evaluations with a short quiet window, closed after the test."""
    coalescer = MergeEvaluations(dispatcher[0], quiet_seconds=QUIET)
    yield coalescer
    await coalescer.close()


async def test_a_burst_of_requests_runs_one_evaluation_of_the_latest(evaluations: MergeEvaluations) -> None:
    log = EvaluationLog()
    hook_ids = [f"hook-{number}" for number in range(10)]

    results = await asyncio.gather(
        *(evaluations.request(PR, hook_id, log.evaluation_for(hook_id)) for hook_id in hook_ids)
    )

    assert log.ran == ["hook-9"]
    assert results == ["hook-9"] * 10


async def test_a_request_during_a_running_evaluation_makes_exactly_one_more(evaluations: MergeEvaluations) -> None:
    gate = asyncio.Event()
    log = EvaluationLog(gate=gate)
    first = asyncio.create_task(evaluations.request(PR, "hook-0", log.evaluation_for("hook-0")))
    await asyncio.wait_for(log.started.wait(), timeout=10)

    later = [
        asyncio.create_task(evaluations.request(PR, f"hook-{number}", log.evaluation_for(f"hook-{number}")))
        for number in range(1, 6)
    ]
    await asyncio.sleep(QUIET * 3)
    assert log.ran == ["hook-0"], "the pending evaluation waits for the running one"
    gate.set()

    assert await first == "hook-0"
    assert await asyncio.gather(*later) == ["hook-5"] * 5
    assert log.ran == ["hook-0", "hook-5"]
    assert not log.overlapped


async def test_with_nothing_else_pending_the_evaluation_starts_at_once(
    dispatcher: tuple[Dispatcher, dict[str, asyncio.Event]],
) -> None:
    coalescer = MergeEvaluations(dispatcher[0], quiet_seconds=30.0)
    log = EvaluationLog()
    loop = asyncio.get_running_loop()
    requested_at = loop.time()

    assert await asyncio.wait_for(coalescer.request(PR, "h0", log.evaluation_for("h0")), timeout=10) == "h0"

    assert log.started_at[0] - requested_at < 1.0, "no quiet window when there is nothing to coalesce with"
    await coalescer.close()


async def test_requests_coalesce_while_other_work_of_the_pr_is_pending(
    dispatcher: tuple[Dispatcher, dict[str, asyncio.Event]],
) -> None:
    coalescer = MergeEvaluations(dispatcher[0], quiet_seconds=30.0)
    jobs_running = {PR: True}
    coalescer.add_work_probe(lambda key: jobs_running.get(key, False))
    log = EvaluationLog()

    requests = [
        asyncio.create_task(coalescer.request(PR, f"h{number}", log.evaluation_for(f"h{number}")))
        for number in range(3)
    ]
    await asyncio.sleep(0.3)
    assert log.ran == [], "a job of the PR is running: the requests wait for it"
    jobs_running[PR] = False

    assert await asyncio.wait_for(asyncio.gather(*requests), timeout=10) == ["h2"] * 3
    assert log.ran == ["h2"]
    await coalescer.close()


async def test_waiting_for_other_work_is_bounded_by_the_window(
    dispatcher: tuple[Dispatcher, dict[str, asyncio.Event]],
) -> None:
    quiet = 0.3
    coalescer = MergeEvaluations(dispatcher[0], quiet_seconds=quiet)
    coalescer.add_work_probe(lambda key: True)  # work that never ends
    log = EvaluationLog()
    loop = asyncio.get_running_loop()
    requested_at = loop.time()

    assert await asyncio.wait_for(coalescer.request(PR, "h", log.evaluation_for("h")), timeout=10) == "h"

    assert log.started_at[0] >= requested_at + quiet
    await coalescer.close()


async def test_a_change_an_evaluation_already_saw_makes_no_new_one(evaluations: MergeEvaluations) -> None:
    log = EvaluationLog()
    loop = asyncio.get_running_loop()
    changed_at = loop.time()
    assert await evaluations.request(PR, "writer", log.evaluation_for("writer")) == "writer"

    echoed = await evaluations.request(PR, "echo", log.evaluation_for("echo"), changed_at=changed_at)
    later = await evaluations.request(PR, "later", log.evaluation_for("later"), changed_at=loop.time())

    assert echoed == "writer"
    assert later == "later", "a change made after the last evaluation started needs a new one"
    assert log.ran == ["writer", "later"]


async def test_a_request_for_a_change_the_running_evaluation_saw_waits_for_it(evaluations: MergeEvaluations) -> None:
    gate = asyncio.Event()
    log = EvaluationLog(gate=gate)
    changed_at = asyncio.get_running_loop().time()
    first = asyncio.create_task(evaluations.request(PR, "writer", log.evaluation_for("writer")))
    await asyncio.wait_for(log.started.wait(), timeout=10)

    echoed = asyncio.create_task(evaluations.request(PR, "echo", log.evaluation_for("echo"), changed_at=changed_at))
    await asyncio.sleep(0.05)
    assert not echoed.done()
    gate.set()

    assert await first == "writer"
    assert await echoed == "writer"
    assert log.ran == ["writer"]


async def test_evaluation_runs_in_the_pr_lane_after_its_delivery_phase(
    ledger: Ledger, dispatcher: tuple[Dispatcher, dict[str, asyncio.Event]], evaluations: MergeEvaluations
) -> None:
    started, gates = dispatcher
    gates["busy"] = asyncio.Event()
    started.submit(await record_delivery(ledger, "busy", PR))
    log = EvaluationLog()

    request = asyncio.create_task(evaluations.request(PR, "hook-x", log.evaluation_for("hook-x")))
    await asyncio.sleep(QUIET * 3)
    assert log.ran == []
    gates["busy"].set()

    assert await request == "hook-x"
    assert log.ran == ["hook-x"]


async def test_different_prs_are_evaluated_independently(evaluations: MergeEvaluations) -> None:
    log = EvaluationLog()

    results = await asyncio.gather(
        evaluations.request("pr:org/repo#1", "a", log.evaluation_for("a")),
        evaluations.request("pr:org/repo#2", "b", log.evaluation_for("b")),
    )

    assert list(results) == ["a", "b"]
    assert sorted(log.ran) == ["a", "b"]


async def test_a_failed_evaluation_fails_every_requester_and_the_next_one_runs(
    evaluations: MergeEvaluations,
) -> None:
    async def broken() -> None:
        raise RuntimeError("GitHub said no")

    outcomes = await asyncio.gather(
        evaluations.request(PR, "a", broken), evaluations.request(PR, "b", broken), return_exceptions=True
    )
    log = EvaluationLog()

    assert [str(outcome) for outcome in outcomes] == ["GitHub said no"] * 2
    assert await evaluations.request(PR, "c", log.evaluation_for("c")) == "c"


async def test_a_request_from_inside_the_pr_lane_phase_is_refused(
    ledger: Ledger, evaluations: MergeEvaluations
) -> None:
    seen: list[BaseException] = []

    async def requests_from_phase(delivery: Delivery) -> LanePhaseResult:
        try:
            await evaluations.request(delivery.ordering_key, delivery.delivery_id, EvaluationLog().evaluation_for("x"))
        except RuntimeError as error:
            seen.append(error)
        return LanePhaseResult(outcome="success")

    own = Dispatcher(ledger, max_workers=1, process=requests_from_phase)
    await own.start()
    own.submit(await record_delivery(ledger, "inside", PR))
    await own.wait_idle(timeout=10)

    assert [str(error) for error in seen] == [f"merge evaluation of {PR} requested from inside its own lane phase"]


async def test_close_cancels_a_pending_evaluation(evaluations: MergeEvaluations) -> None:
    evaluations.add_work_probe(lambda key: True)  # other work of the PR keeps the evaluation pending
    log = EvaluationLog()
    request = asyncio.create_task(evaluations.request(PR, "h", log.evaluation_for("h")))
    await asyncio.sleep(0.01)

    await evaluations.close()

    with pytest.raises(asyncio.CancelledError):
        await request
    assert log.ran == []


async def test_close_cancels_a_running_evaluation(evaluations: MergeEvaluations) -> None:
    log = EvaluationLog(gate=asyncio.Event())
    request = asyncio.create_task(evaluations.request(PR, "h", log.evaluation_for("h")))
    await asyncio.wait_for(log.started.wait(), timeout=10)

    await evaluations.close()

    with pytest.raises(asyncio.CancelledError):
        await request


async def test_dispatcher_stop_cancels_an_evaluation_waiting_for_the_lane(
    ledger: Ledger, dispatcher: tuple[Dispatcher, dict[str, asyncio.Event]], evaluations: MergeEvaluations
) -> None:
    started, gates = dispatcher
    gates["busy"] = asyncio.Event()
    started.submit(await record_delivery(ledger, "busy", PR))
    request = asyncio.create_task(evaluations.request(PR, "h", EvaluationLog().evaluation_for("h")))
    await asyncio.sleep(QUIET * 2)

    await started.stop(grace_seconds=0.05)

    with pytest.raises(asyncio.CancelledError):
        await request
