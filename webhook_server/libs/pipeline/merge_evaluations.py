"""Coalesced merge-readiness evaluations: per PR at most one running and one pending (intake.md §5.3).

A request joins the PR's pending evaluation (latest requester wins: its `evaluate` runs and its hook id is
reported to every requester merged into it). The pending evaluation starts once no request came for the
quiet window and the running one has ended, and runs as one turn of the PR's lane.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from webhook_server.libs.pipeline.dispatcher import Dispatcher, current_lanes, detached_context

logger = logging.getLogger(__name__)

EvaluateFn = Callable[[], Awaitable[None]]


@dataclass
class _PendingEvaluation:
    """The next evaluation of one PR, and the requesters waiting for it."""

    hook_id: str
    evaluate: EvaluateFn
    context: contextvars.Context
    last_request_at: float
    waiters: list[asyncio.Future[str]]


class MergeEvaluations:
    """Runs `can-be-merged` evaluations per PR lane, coalescing bursts of requests into one."""

    def __init__(self, dispatcher: Dispatcher, *, quiet_seconds: float = 3.0) -> None:
        """Evaluations run through `dispatcher.run_in_lane`; `quiet_seconds` is the debounce window."""
        self._dispatcher = dispatcher
        self.quiet_seconds = quiet_seconds
        self._pending: dict[str, _PendingEvaluation] = {}
        self._running: dict[str, asyncio.Event] = {}
        self._drivers: set[asyncio.Task[None]] = set()

    async def request(self, pr_key: str, requester_hook_id: str, evaluate: EvaluateFn) -> str:
        """Ask for an evaluation of the PR whose lane key is `pr_key`; wait until one covering it ran.

        Returns the hook id of the delivery whose evaluation actually ran (`coalesced_into`). Must be called
        outside that PR's lane phase (for example from a delivery's followup), or it would wait for itself.
        """
        if pr_key in current_lanes():
            raise RuntimeError(f"merge evaluation of {pr_key} requested from inside its own lane phase")
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[str] = loop.create_future()
        pending = self._pending.get(pr_key)
        if pending is None:
            pending = _PendingEvaluation(requester_hook_id, evaluate, detached_context(), loop.time(), [waiter])
            self._pending[pr_key] = pending
            driver = asyncio.create_task(
                self._drive(pr_key, pending), name=f"merge evaluation {pr_key}", context=contextvars.Context()
            )
            self._drivers.add(driver)
            driver.add_done_callback(self._drivers.discard)
        else:
            pending.hook_id = requester_hook_id
            pending.evaluate = evaluate
            pending.context = detached_context()
            pending.last_request_at = loop.time()
            pending.waiters.append(waiter)
        return await waiter

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
        try:
            await self._run(pr_key, pending)
        finally:
            del self._running[pr_key]
            finished.set()

    async def _wait_for_turn(self, pr_key: str, pending: _PendingEvaluation) -> None:
        """Wait until the PR has no running evaluation and no request came for the quiet window."""
        loop = asyncio.get_running_loop()
        while True:
            running = self._running.get(pr_key)
            if running is not None:
                await running.wait()
                continue
            quiet_left = pending.last_request_at + self.quiet_seconds - loop.time()
            if quiet_left <= 0:
                return
            await asyncio.sleep(quiet_left)

    async def _run(self, pr_key: str, pending: _PendingEvaluation) -> None:
        run = asyncio.create_task(self._dispatcher.run_in_lane(pr_key, pending.evaluate), context=pending.context)
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


def _cancel_waiters(pending: _PendingEvaluation) -> None:
    for waiter in pending.waiters:
        waiter.cancel()
