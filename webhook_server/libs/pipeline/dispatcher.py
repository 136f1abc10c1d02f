"""Runs ledger deliveries in per-key lanes with at most `max-workers` lane phases at once (intake.md §5, §11).

A lane is the serial queue of one ordering key: its turns (deliveries in `seq` order, and work submitted
with `run_in_lane` in arrival order) run one at a time. A delivery's lane phase holds its lane and a
worker slot; its `followup` (waiting for jobs and merge evaluations) runs after it left both, and only
then is the delivery marked finished in the ledger.

With `SharedLanes` (replicas sharing a PostgreSQL ledger) a lane runs only while this replica holds its
lock in the ledger, and deliveries recorded by any replica are found by polling the ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import heapq
import itertools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from webhook_server.libs.pipeline.delivery import Delivery
from webhook_server.libs.pipeline.ledger import DatabaseError, DeliveryNotQueuedError, Ledger
from webhook_server.libs.pipeline.shared_lanes import RETRY_TAKE_SECONDS, SharedLanes

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

_held_lanes: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("held_lanes", default=frozenset())
_turn: contextvars.ContextVar[tuple[int, int | None] | None] = contextvars.ContextVar("lane_turn", default=None)
REMEMBERED_LANES = 4096  # last turn per lane key, oldest forgotten first


def current_lanes() -> frozenset[str]:
    """The lane keys held by the running code (empty outside any lane phase)."""
    return _held_lanes.get()


def current_turn() -> int | None:
    """The number of the lane turn the running code is in (unique per process), or None outside one."""
    turn = _turn.get()
    return turn[0] if turn is not None else None


def previous_turn() -> int | None:
    """The number of the turn that ran in the current lane just before the current one (None if unknown)."""
    turn = _turn.get()
    return turn[1] if turn is not None else None


def detached_context() -> contextvars.Context:
    """A copy of the current context that holds no lane, for tasks that must queue for lanes themselves."""
    context = contextvars.copy_context()
    context.run(_held_lanes.set, frozenset())
    return context


@dataclass
class LanePhaseResult:
    """What a lane phase (or its followup) produced; a followup runs outside the lane and the worker slot."""

    outcome: str
    succeeded: bool = True
    error: str | None = None
    followup: Callable[[], Awaitable[LanePhaseResult]] | None = None


ProcessFn = Callable[[Delivery], Awaitable[LanePhaseResult]]


@dataclass(order=True)
class _Turn:
    """One waiting entry of a lane: a delivery, or a `run_in_lane` caller waiting to be granted the lane."""

    order: float
    counter: int
    delivery: Delivery | None = field(compare=False, default=None)
    granted: asyncio.Future[None] | None = field(compare=False, default=None)
    released: asyncio.Future[None] | None = field(compare=False, default=None)


@dataclass
class _Lane:
    key: str
    turns: list[_Turn] = field(default_factory=list)
    task: asyncio.Task[None] = field(init=False)


def _failure(exc: Exception) -> LanePhaseResult:
    return LanePhaseResult(outcome="failed", succeeded=False, error=f"{type(exc).__name__}: {exc}")


class Dispatcher:
    """One per process: takes queued deliveries, runs them in lanes, records their state in the ledger."""

    def __init__(
        self, ledger: Ledger, *, max_workers: int, process: ProcessFn, shared: SharedLanes | None = None
    ) -> None:
        """`process` runs the lane phase of one delivery; its exceptions are contained here. With `shared`
        the lanes are shared with other replicas of the ledger."""
        self._ledger = ledger
        self._process = process
        self._shared = shared
        self._max_workers = max_workers
        self._poller: asyncio.Task[None] | None = None
        self._lane_ended = asyncio.Event()  # a slot came free: the shared-lanes poller looks for work at once
        self._slots = asyncio.Semaphore(max_workers)
        self._lanes: dict[str, _Lane] = {}
        self._counter = itertools.count()
        self._latest_seq = 0
        self._active_ids: set[str] = set()
        self._early: list[Delivery] = []
        self._started = False
        self._stopping = False
        self._finalizers: set[asyncio.Task[None]] = set()
        self._turn_owners: set[asyncio.Task[object]] = set()
        self._turn_numbers = itertools.count(1)
        self._last_turns: OrderedDict[str, int] = OrderedDict()

    async def start(self, *, resume: bool = True) -> None:
        """Queue again what the ledger holds unfinished (in `seq` order), then accept `submit`.

        `resume=False` (a replay sharing the server's ledger) leaves the unfinished ones to the server."""
        resumed = await self._ledger.resumable() if resume and self._shared is None else []
        self._started = True
        by_id = {delivery.delivery_id: delivery for delivery in self._early}
        by_id.update((delivery.delivery_id, delivery) for delivery in resumed)
        self._early.clear()
        for delivery in sorted(by_id.values(), key=lambda item: item.seq):
            self._enqueue(delivery)
        if self._shared is not None:
            self._poller = asyncio.create_task(self._poll_forever(self._shared), name="shared lanes poll")
            logger.info("Dispatcher started on a shared ledger as replica %s", self._ledger.replica_id)
            return
        logger.info("Dispatcher started: %d deliveries resumed from the ledger", len(resumed))

    def submit(self, delivery: Delivery) -> None:
        """Queue a delivery the ledger just recorded as `queued`; never blocks."""
        if self._stopping:
            logger.debug("Dispatcher stopping: delivery %s stays queued for the next start", delivery.delivery_id)
        elif self._shared is not None and self._lanes_full(delivery.ordering_key):
            logger.debug("No free lane for %s here: a replica with room takes it from the ledger", delivery.delivery_id)
        elif self._started:
            self._enqueue(delivery)
        else:
            self._early.append(delivery)

    def _lanes_full(self, key: str) -> bool:
        """Whether a new lane for `key` would exceed this replica's worker slots (its own lanes never do)."""
        return key not in self._lanes and len(self._lanes) >= self._max_workers

    @property
    def latest_seq(self) -> int:
        """The highest `seq` of the deliveries queued so far."""
        return self._latest_seq

    async def run_in_lane(self, key: str, fn: Callable[[], Awaitable[_T]], *, after_seq: int | None = None) -> _T:
        """Run `fn` as one turn of lane `key`, in arrival order, holding a worker slot.

        The turn comes after every delivery queued so far, or after those up to `after_seq` (the caller's
        decision point, when it decided earlier than this call runs). Called from inside a lane phase, the
        caller's slot is reused (no second slot), and a lane the caller already holds is entered at once.
        During shutdown it raises `asyncio.CancelledError`.
        """
        held = _held_lanes.get()
        if key in held:
            return await fn()
        if self._stopping:
            raise asyncio.CancelledError
        loop = asyncio.get_running_loop()
        granted: asyncio.Future[None] = loop.create_future()
        released: asyncio.Future[None] = loop.create_future()
        order = (self._latest_seq if after_seq is None else after_seq) + 0.5  # after the deliveries that arrived
        self._push_turn(key, _Turn(order, next(self._counter), granted=granted, released=released))
        try:
            await granted
            return await self._run_turn(key, held, fn)
        finally:
            if not released.done():
                released.set_result(None)

    def lane_busy(self, key: str) -> bool:
        """Whether lane `key` has a turn running or queued (a delivery's lane phase or `run_in_lane` work),
        here or, as last polled, queued deliveries for it in a shared ledger."""
        return key in self._lanes or (self._shared is not None and key in self._shared.lanes_with_work)

    async def wait_idle(self, timeout: float) -> None:  # noqa: ASYNC109 - a plain deadline for tests/benchmarks
        """Wait until no delivery or lane work is queued or running; `TimeoutError` after `timeout` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while tasks := self._busy_tasks():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"dispatcher still busy after {timeout} s")
            await asyncio.wait(tasks, timeout=remaining)

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Start nothing new, wait up to `grace_seconds` for what runs, then cancel the rest.

        Cancelled deliveries stay `running` in the ledger and are resumed at the next start.
        """
        self._stopping = True
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        for lane in self._lanes.values():
            for turn in lane.turns:
                if turn.granted is not None:
                    turn.granted.cancel()
        tasks = self._busy_tasks()
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        logger.info("Dispatcher stopped; %d unfinished tasks cancelled", len(pending))

    def _busy_tasks(self) -> set[asyncio.Task[object]]:
        lanes: set[asyncio.Task[object]] = {lane.task for lane in self._lanes.values()}
        return lanes | self._finalizers | self._turn_owners

    def _enqueue(self, delivery: Delivery) -> None:
        if delivery.delivery_id in self._active_ids:
            return
        self._active_ids.add(delivery.delivery_id)
        self._latest_seq = max(self._latest_seq, delivery.seq)
        self._push_turn(delivery.ordering_key, _Turn(delivery.seq, next(self._counter), delivery=delivery))

    def _push_turn(self, key: str, turn: _Turn) -> None:
        heapq.heappush(self._lane(key).turns, turn)

    def _lane(self, key: str) -> _Lane:
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane(key)
            lane.task = asyncio.create_task(self._run_lane(lane), name=f"lane {key}", context=contextvars.Context())
        return lane

    async def _run_lane(self, lane: _Lane) -> None:
        try:
            if self._shared is None:
                await self._run_turns(lane)
            else:
                await self._run_shared_lane(lane, self._shared)
        finally:
            del self._lanes[lane.key]
            self._lane_ended.set()
            for turn in lane.turns:
                if turn.delivery is not None:
                    self._active_ids.discard(turn.delivery.delivery_id)

    async def _run_turns(self, lane: _Lane) -> None:
        while lane.turns and not self._stopping:
            await self._take_turn(heapq.heappop(lane.turns))

    async def _take_turn(self, turn: _Turn) -> None:
        if turn.delivery is not None:
            await self._run_delivery(turn.delivery)
        else:
            await self._grant(turn)

    async def _run_shared_lane(self, lane: _Lane, shared: SharedLanes) -> None:
        """Run the lane while holding it in the ledger: its deliveries from the ledger, in `seq` order,
        looking after each turn for those recorded meanwhile, until none is left; then give it back. While
        another replica holds it, its deliveries are left to that replica, and `run_in_lane` work waits."""
        while (taken := await shared.take(lane.key, wait=False, stopping=lambda: self._stopping)) is None:
            if self._stopping or all(turn.delivery is not None for turn in lane.turns):
                return
            await asyncio.sleep(RETRY_TAKE_SECONDS)
        try:
            while True:
                for delivery in taken:
                    self._enqueue(delivery)
                if not lane.turns or self._stopping:
                    return
                await self._take_turn(heapq.heappop(lane.turns))
                # another replica's intake may have recorded deliveries that come before the next local turn
                taken = await shared.refresh(lane.key, self._active_ids)
        finally:
            await shared.release(lane.key)

    async def _poll_forever(self, shared: SharedLanes) -> None:
        """Open a lane for each lane with work in the ledger that this replica has room for."""
        while not self._stopping:
            try:
                keys = await shared.lanes_to_take(self._max_workers - len(self._lanes), lambda key: key in self._lanes)
            except DatabaseError:
                logger.exception("Could not poll the shared ledger for work; retrying")
                keys = []
            for key in keys:
                self._lane(key)
            await self._until_lane_ends(shared.poll_seconds)

    async def _until_lane_ends(self, seconds: float) -> None:
        """Wait for the next poll: `seconds`, or less when a lane of this replica ends (a slot is free again)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._lane_ended.wait(), seconds)
        self._lane_ended.clear()

    async def _grant(self, turn: _Turn) -> None:
        assert turn.granted is not None  # a work turn always has both futures
        assert turn.released is not None
        if turn.granted.done():  # the caller gave up (cancelled) before its turn came
            return
        turn.granted.set_result(None)
        await turn.released

    async def _run_turn(self, key: str, held: frozenset[str], fn: Callable[[], Awaitable[_T]]) -> _T:
        owner = asyncio.current_task()
        assert owner is not None  # always called from a task
        self._turn_owners.add(owner)
        token = _held_lanes.set(held | {key})
        turn_token = _turn.set(self._next_turn(key))
        try:
            async with self._slots if not held else contextlib.nullcontext():
                return await fn()
        finally:
            _turn.reset(turn_token)
            _held_lanes.reset(token)
            self._turn_owners.discard(owner)

    def _next_turn(self, key: str) -> tuple[int, int | None]:
        """Number a new turn of lane `key`: (its number, the number of the lane's previous turn)."""
        number = next(self._turn_numbers)
        previous = self._last_turns.pop(key, None)
        self._last_turns[key] = number
        while len(self._last_turns) > REMEMBERED_LANES:
            self._last_turns.popitem(last=False)
        return number, previous

    async def _run_delivery(self, delivery: Delivery) -> None:
        context = contextvars.copy_context()
        phase = asyncio.create_task(
            self._lane_phase(delivery), name=f"delivery {delivery.delivery_id}", context=context
        )
        try:
            result = await phase
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            logger.warning("Lane phase of delivery %s was cancelled; it stays running", delivery.delivery_id)
            result = None
        except Exception:
            logger.exception("Dispatcher could not run delivery %s", delivery.delivery_id)
            result = None
        if result is None:
            self._active_ids.discard(delivery.delivery_id)
            return
        finalizer = asyncio.create_task(self._finalize(delivery, result), context=context)
        self._finalizers.add(finalizer)
        finalizer.add_done_callback(self._finalizers.discard)

    async def _lane_phase(self, delivery: Delivery) -> LanePhaseResult | None:
        token = _held_lanes.set(frozenset({delivery.ordering_key}))
        _turn.set(self._next_turn(delivery.ordering_key))  # the phase runs in its own task and context
        try:
            async with self._slots:
                if self._stopping:
                    return None
                try:
                    await self._ledger.mark_running(delivery.delivery_id)
                except DeliveryNotQueuedError:
                    logger.info("Delivery %s was taken by another replica", delivery.delivery_id)
                    return None
                result = await self._contained(functools.partial(self._process, delivery), delivery)
                if self._shared is not None:  # recorded before the lane moves on, for a replica taking it over
                    await self._ledger.mark_lane_released(delivery.delivery_id)
                return result
        finally:
            _held_lanes.reset(token)

    async def _contained(self, fn: Callable[[], Awaitable[LanePhaseResult]], delivery: Delivery) -> LanePhaseResult:
        try:
            return await fn()
        except Exception as exc:
            logger.exception("Delivery %s (%s) failed", delivery.delivery_id, delivery.event)
            return _failure(exc)

    async def _finalize(self, delivery: Delivery, result: LanePhaseResult) -> None:
        try:
            while result.followup is not None:
                result = await self._contained(result.followup, delivery)
            await self._ledger.mark_finished(
                delivery.delivery_id, succeeded=result.succeeded, outcome=result.outcome, error=result.error
            )
        except Exception:
            logger.exception("Could not record the end of delivery %s", delivery.delivery_id)
        finally:
            self._active_ids.discard(delivery.delivery_id)
