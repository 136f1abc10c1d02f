"""Coalesced merge-readiness evaluations: per PR at most one running and one pending (intake.md §5.3).

A request joins the PR's pending evaluation (latest requester wins: its `evaluate` runs and its hook id is
reported to every requester merged into it). The pending evaluation starts as soon as the running one has
ended and no other work of the PR (a delivery in its lane, a job) is queued or running: with nothing to
coalesce with it does not wait at all. While such work is pending it waits for it, at most `quiet_seconds`
after it was requested, and runs as one turn of the PR's lane.

Replicas sharing a ledger record when each evaluation starts: a pending evaluation whose PR was evaluated by
another replica after it was requested joins that one instead of running again.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from webhook_server.libs.pipeline.dispatcher import Dispatcher, current_lanes, detached_context
from webhook_server.libs.pipeline.ledger import Ledger

logger = logging.getLogger(__name__)

EvaluateFn = Callable[[], Awaitable[None]]
WorkProbe = Callable[[str], bool]  # whether other work of the PR with this lane key is queued or running
POLL_SECONDS = 0.02
REMEMBERED_PRS = 4096  # last evaluation start per PR, oldest forgotten first


@dataclass
class _PendingEvaluation:
    """The next evaluation of one PR, and the requesters waiting for it."""

    hook_id: str
    evaluate: EvaluateFn
    context: contextvars.Context
    first_request_at: float
    waiters: list[asyncio.Future[str]] = field(default_factory=list)
    requested_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    related_lanes: set[str] = field(default_factory=set)


class MergeEvaluations:
    """Runs `can-be-merged` evaluations per PR lane, coalescing bursts of requests into one."""

    def __init__(
        self, dispatcher: Dispatcher, *, quiet_seconds: float = 3.0, shared_ledger: Ledger | None = None
    ) -> None:
        """Evaluations run through `dispatcher.run_in_lane`; `quiet_seconds` bounds how long a pending one
        waits for other work of its PR (the PR's lane busy, or a probe added with `add_work_probe`).
        `shared_ledger`: the ledger other replicas share, where evaluation starts are recorded."""
        self._dispatcher = dispatcher
        self._shared_ledger = shared_ledger
        self.quiet_seconds = quiet_seconds
        self._pending: dict[str, _PendingEvaluation] = {}
        self._running: dict[str, asyncio.Event] = {}
        self._drivers: set[asyncio.Task[None]] = set()
        self._probes: list[WorkProbe] = [dispatcher.lane_busy]
        self._last_started: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def add_work_probe(self, probe: WorkProbe) -> None:
        """Count more work as pending for a PR (for example its queued or running jobs)."""
        self._probes.append(probe)

    def _other_work_pending(self, pr_key: str, related_lanes: Iterable[str]) -> bool:
        if any(probe(pr_key) for probe in self._probes):
            return True
        return any(self._dispatcher.lane_busy(key) for key in related_lanes)

    async def request(
        self,
        pr_key: str,
        requester_hook_id: str,
        evaluate: EvaluateFn,
        *,
        changed_at: float | None = None,
        related_lanes: Iterable[str] = (),
    ) -> str:
        """Ask for an evaluation of the PR whose lane key is `pr_key`; wait until one covering it ran.

        `related_lanes`: other lanes whose deliveries concern the PR (`sha:` lanes of its head, where
        `status` deliveries run); while one is busy the evaluation waits as for the PR's own lane.

        `changed_at` (event-loop time) is when the change behind the request was made, when known (the
        server's own label write coming back as a `labeled` event): an evaluation that started later already
        saw it, so the request joins that one instead of making another.
        Returns the hook id of the delivery whose evaluation actually ran (`coalesced_into`). Must be called
        outside that PR's lane phase (for example from a delivery's followup), or it would wait for itself.
        """
        if pr_key in current_lanes():
            raise RuntimeError(f"merge evaluation of {pr_key} requested from inside its own lane phase")
        covering = self._covering(pr_key, changed_at)
        if covering is not None:
            running = self._running.get(pr_key)
            if running is not None:
                await running.wait()
            return covering
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[str] = loop.create_future()
        pending = self._pending.get(pr_key)
        if pending is None:
            pending = _PendingEvaluation(requester_hook_id, evaluate, detached_context(), loop.time(), [waiter])
            pending.related_lanes.update(related_lanes)
            self._pending[pr_key] = pending
            driver = asyncio.create_task(
                self._drive(pr_key, pending), name=f"merge evaluation {pr_key}", context=contextvars.Context()
            )
            self._drivers.add(driver)
            driver.add_done_callback(self._drivers.discard)
        else:
            pending.hook_id = requester_hook_id
            pending.requested_at = datetime.now(UTC)
            pending.evaluate = evaluate
            pending.context = detached_context()
            pending.waiters.append(waiter)
            pending.related_lanes.update(related_lanes)
        return await waiter

    def _covering(self, pr_key: str, changed_at: float | None) -> str | None:
        """The hook id of the latest evaluation of the PR if it started after `changed_at`."""
        last = self._last_started.get(pr_key)
        if changed_at is None or last is None or last[0] < changed_at:
            return None
        return last[1]

    async def close(self) -> None:
        """Cancel every pending and running evaluation (their requesters see `CancelledError`)."""
        drivers = set(self._drivers)
        for driver in drivers:
            driver.cancel()
        await asyncio.gather(*drivers, return_exceptions=True)

    async def _drive(self, pr_key: str, pending: _PendingEvaluation) -> None:
        try:
            await self._wait_for_turn(pr_key, pending)
        except asyncio.CancelledError:
            del self._pending[pr_key]
            _cancel_waiters(pending)
            raise
        del self._pending[pr_key]
        finished = self._running[pr_key] = asyncio.Event()
        decided_after = self._dispatcher.latest_seq  # deliveries arriving from now on come after this turn
        try:
            await self._run(pr_key, pending, decided_after)
        finally:
            del self._running[pr_key]
            finished.set()

    async def _wait_for_turn(self, pr_key: str, pending: _PendingEvaluation) -> None:
        """Wait until the PR has no running evaluation and no other pending work (at most the quiet window)."""
        loop = asyncio.get_running_loop()
        while True:
            running = self._running.get(pr_key)
            if running is not None:
                await running.wait()
                continue
            window_left = pending.first_request_at + self.quiet_seconds - loop.time()
            if window_left <= 0 or not self._other_work_pending(pr_key, pending.related_lanes):
                return
            await asyncio.sleep(min(POLL_SECONDS, window_left))

    async def _run(self, pr_key: str, pending: _PendingEvaluation, after_seq: int) -> None:
        run = asyncio.create_task(self._started(pr_key, pending, after_seq), context=pending.context)
        try:
            await run
        except asyncio.CancelledError:
            _cancel_waiters(pending)
            raise
        except Exception as exc:
            logger.warning("Merge evaluation of %s (delivery %s) failed: %s", pr_key, pending.hook_id, exc)
            for waiter in pending.waiters:
                if not waiter.done():
                    waiter.set_exception(exc)
            return
        for waiter in pending.waiters:
            if not waiter.done():
                waiter.set_result(pending.hook_id)

    async def _started(self, pr_key: str, pending: _PendingEvaluation, after_seq: int) -> None:
        async def evaluate() -> None:
            if await self._evaluated_elsewhere(pr_key, pending):
                return
            self._last_started[pr_key] = (asyncio.get_running_loop().time(), pending.hook_id)
            self._last_started.move_to_end(pr_key)
            while len(self._last_started) > REMEMBERED_PRS:
                self._last_started.popitem(last=False)
            await pending.evaluate()

        await self._dispatcher.run_in_lane(pr_key, evaluate, after_seq=after_seq)

    async def _evaluated_elsewhere(self, pr_key: str, pending: _PendingEvaluation) -> bool:
        """On a shared ledger (inside the PR's lane): whether another replica started an evaluation of the PR
        after this one was requested; it then stands for this one. Otherwise record that this one starts."""
        ledger = self._shared_ledger
        if ledger is None:
            return False
        last = await ledger.last_evaluation(pr_key)
        if last is not None and last[0] > pending.requested_at:
            logger.info("Merge evaluation of %s joins the one of delivery %s on another replica", pr_key, last[1])
            pending.hook_id = last[1]
            return True
        await ledger.evaluation_started(pr_key, pending.hook_id)
        return False


def _cancel_waiters(pending: _PendingEvaluation) -> None:
    for waiter in pending.waiters:
        waiter.cancel()
