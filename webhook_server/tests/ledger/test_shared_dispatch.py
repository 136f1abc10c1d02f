"""Dispatchers of several replicas on one PostgreSQL ledger: each delivery runs once, the deliveries of one
lane run one at a time and in `seq` order whichever replica runs them, and work a replica leaves when it
dies is finished by another."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import psycopg
import pytest

from webhook_server.libs.pipeline.delivery import Delivery, DeliveryState
from webhook_server.libs.pipeline.dispatcher import Dispatcher, LanePhaseResult
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.pipeline.merge_evaluations import MergeEvaluations
from webhook_server.libs.pipeline.shared_lanes import SharedLanes
from webhook_server.tests.ledger.helpers import record_delivery


@dataclass
class Cluster:
    """What every replica's lane phases did, in the order they did it."""

    runs: list[tuple[str, str, int]] = field(default_factory=list)  # (replica, lane key, seq)
    active_by_key: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    overlaps: list[str] = field(default_factory=list)
    delays: tuple[float, float] = (0.0, 0.01)

    def process_for(self, replica: str) -> Callable[[Delivery], Awaitable[LanePhaseResult]]:
        async def process(delivery: Delivery) -> LanePhaseResult:
            key = delivery.ordering_key
            self.active_by_key[key] += 1
            if self.active_by_key[key] > 1:
                self.overlaps.append(key)
            self.runs.append((replica, key, delivery.seq))
            try:
                await asyncio.sleep(random.uniform(*self.delays))
            finally:
                self.active_by_key[key] -= 1
            return LanePhaseResult(outcome="success")

        return process


@dataclass
class Replica:
    name: str
    ledger: Ledger
    dispatcher: Dispatcher


StartReplica = Callable[..., Awaitable[Replica]]
PR_KEY = "pr:org/repo#7"


@pytest.fixture
async def start_replica(postgres_url: str) -> AsyncIterator[StartReplica]:
    """Start replicas (a ledger connection and a dispatcher sharing lanes each) on one database."""
    started: list[Replica] = []

    async def start(cluster: Cluster, name: str, max_workers: int = 4) -> Replica:
        ledger = await Ledger.open_shared(postgres_url, lease_seconds=2.0)
        dispatcher = Dispatcher(
            ledger,
            max_workers=max_workers,
            process=cluster.process_for(name),
            shared=SharedLanes(ledger, poll_seconds=0.02),
        )
        await dispatcher.start()
        replica = Replica(name, ledger, dispatcher)
        started.append(replica)
        return replica

    yield start
    for replica in started:
        await replica.dispatcher.stop(grace_seconds=0)
        if not replica.ledger.closed:
            await replica.ledger.close()


def _seqs_by_key(runs: list[tuple[str, str, int]]) -> dict[str, list[int]]:
    by_key: dict[str, list[int]] = defaultdict(list)
    for _, key, seq in runs:
        by_key[key].append(seq)
    return by_key


async def _wait_all_finished(ledger: Ledger, ids: list[str], timeout: float = 60.0) -> None:
    """Every delivery succeeded, or (a followup cut short by a dying replica) ended `interrupted`."""
    async with asyncio.timeout(timeout):
        for delivery_id in ids:
            while (row := await ledger.status_of(delivery_id)) is None or not row.finished:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            assert row.status is DeliveryState.SUCCEEDED or row.outcome == "interrupted", row


@pytest.mark.slow
async def test_replicas_share_the_work_once_and_keep_each_lane_in_order(start_replica: StartReplica) -> None:
    cluster = Cluster()
    replicas = [await start_replica(cluster, name) for name in ("a", "b", "c")]
    keys = [f"pr:org/repo#{number}" for number in range(12)]
    recorded: dict[str, list[int]] = defaultdict(list)
    ids: list[str] = []

    for index in range(240):
        replica = replicas[index % 3]  # round-robin intake; one replica in three hands its deliveries over
        key = keys[random.randrange(len(keys))]
        delivery = await record_delivery(replica.ledger, f"d-{index}", ordering_key=key)
        recorded[key].append(delivery.seq)
        ids.append(delivery.delivery_id)
        if replica.name != "c":
            replica.dispatcher.submit(delivery)  # `all` replicas queue what they recorded at once
    await _wait_all_finished(replicas[0].ledger, ids)

    assert sorted(seq for _, _, seq in cluster.runs) == sorted(seq for seqs in recorded.values() for seq in seqs)
    assert _seqs_by_key(cluster.runs) == recorded
    assert cluster.overlaps == []
    assert {replica for replica, _, _ in cluster.runs} == {"a", "b", "c"}


@pytest.mark.slow
async def test_a_worker_without_intake_finds_recorded_deliveries_by_polling(start_replica: StartReplica) -> None:
    cluster = Cluster()
    worker = await start_replica(cluster, "worker")
    ids = [
        (await record_delivery(worker.ledger, f"d-{index}", ordering_key=f"pr:o/r#{index % 3}")).delivery_id
        for index in range(9)
    ]

    await _wait_all_finished(worker.ledger, ids, timeout=20)

    assert len(cluster.runs) == 9


@pytest.mark.slow
async def test_a_replica_that_dies_mid_burst_loses_nothing(start_replica: StartReplica, postgres_url: str) -> None:
    cluster = Cluster(delays=(0.02, 0.05))
    dying = await start_replica(cluster, "dying")
    survivor = await start_replica(cluster, "survivor")
    keys = [f"pr:org/repo#{number}" for number in range(6)]
    recorded: dict[str, list[int]] = defaultdict(list)
    ids: list[str] = []
    for index in range(120):
        delivery = await record_delivery(survivor.ledger, f"d-{index}", ordering_key=keys[index % len(keys)])
        recorded[delivery.ordering_key].append(delivery.seq)
        ids.append(delivery.delivery_id)

    while sum(1 for replica, _, _ in cluster.runs if replica == "dying") < 5:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    with psycopg.connect(postgres_url, autocommit=True) as connection:  # its session ends, as at a SIGKILL
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (dying.ledger.session_name,),
        )
    await dying.dispatcher.stop(grace_seconds=0)  # and its work stops with it
    await _wait_all_finished(survivor.ledger, ids)

    first_runs = [run for index, run in enumerate(cluster.runs) if run[2] not in {r[2] for r in cluster.runs[:index]}]
    reruns = [run for run in cluster.runs if run not in first_runs]
    dying_started = {seq for replica, _, seq in cluster.runs if replica == "dying"}
    assert sorted(seq for _, _, seq in first_runs) == sorted(seq for seqs in recorded.values() for seq in seqs)
    assert _seqs_by_key(first_runs) == recorded  # every lane ran in seq order, across the two replicas
    assert cluster.overlaps == []
    for key, seqs in _seqs_by_key(cluster.runs).items():  # a lane phase cut short runs again before the rest
        assert all(later >= earlier for earlier, later in itertools.pairwise(seqs)), (key, seqs)
    # Run again: only lane phases the dying replica had in flight, by the survivor, at most one per worker slot.
    assert {seq for _, _, seq in reruns} <= dying_started
    assert {replica for replica, _, _ in reruns} <= {"survivor"}
    assert len(reruns) <= 4


async def test_lane_work_waits_while_another_replica_holds_the_lane(start_replica: StartReplica) -> None:
    cluster = Cluster()
    holder, waiter = await start_replica(cluster, "holder"), await start_replica(cluster, "waiter")
    assert await holder.ledger.take_lane("pr:org/repo#1") is not None
    ran = asyncio.Event()

    async def work() -> str:
        ran.set()
        return "done"

    pending = asyncio.create_task(waiter.dispatcher.run_in_lane("pr:org/repo#1", work))
    await asyncio.sleep(0.3)
    ran_while_held = ran.is_set()
    await holder.ledger.release_lane("pr:org/repo#1")

    assert await asyncio.wait_for(pending, 5) == "done"
    assert not ran_while_held


async def test_a_merge_evaluation_joins_one_another_replica_started_after_it_was_requested(
    start_replica: StartReplica,
) -> None:
    cluster = Cluster()
    first, second = await start_replica(cluster, "first"), await start_replica(cluster, "second")
    ran: list[str] = []
    gate = asyncio.Event()

    def evaluation(name: str, wait: bool = False) -> Callable[[], Awaitable[None]]:
        async def evaluate() -> None:
            ran.append(name)
            if wait:
                await gate.wait()

        return evaluate

    on_first = MergeEvaluations(first.dispatcher, quiet_seconds=0.1, shared_ledger=first.ledger)
    on_second = MergeEvaluations(second.dispatcher, quiet_seconds=0.1, shared_ledger=second.ledger)
    # The second replica's request waits for the PR's lane, which the first replica holds while evaluating.
    running = asyncio.create_task(on_first.request(PR_KEY, "hook-early", evaluation("early", wait=True)))
    while ran != ["early"]:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    late_on_first = asyncio.create_task(on_first.request(PR_KEY, "hook-late-1", evaluation("late-1")))
    await asyncio.sleep(0.05)
    late_on_second = asyncio.create_task(on_second.request(PR_KEY, "hook-late-2", evaluation("late-2")))
    await asyncio.sleep(0.05)
    gate.set()

    assert await running == "hook-early"
    covering = await asyncio.gather(late_on_first, late_on_second)
    # One evaluation after the early one stands for both requests, whichever replica ran it.
    assert len(ran) == 2
    assert ran[1] in {"late-1", "late-2"}
    assert covering[0] == covering[1]
    await on_first.close()
    await on_second.close()


@pytest.mark.slow
async def test_a_free_slot_finds_a_free_lane_behind_many_lanes_other_replicas_hold(
    start_replica: StartReplica, postgres_url: str
) -> None:
    """Older lanes with queued work that another replica holds do not keep a free worker slot from newer,
    free lanes (the worker polls at the default interval and has one slot, so it looks at one lane per poll)."""
    cluster = Cluster()
    holder = await Ledger.open_shared(postgres_url)
    try:
        for index in range(12):  # busy PRs another replica is running: each lane has queued work left
            await record_delivery(holder, f"held-{index}", ordering_key=f"pr:org/repo#{index}")
            assert await holder.take_lane(f"pr:org/repo#{index}") is not None
        free = await record_delivery(holder, "free", ordering_key="pr:org/repo#99")
        ledger = await Ledger.open_shared(postgres_url, lease_seconds=2.0)
        worker = Dispatcher(ledger, max_workers=1, process=cluster.process_for("worker"), shared=SharedLanes(ledger))
        await worker.start()
        try:
            await _wait_all_finished(ledger, [free.delivery_id], timeout=5)
        finally:
            await worker.stop(grace_seconds=0)
            await ledger.close()
    finally:
        await holder.close()

    assert cluster.runs == [("worker", "pr:org/repo#99", free.seq)]


async def test_a_slot_that_comes_free_looks_for_work_at_once(postgres_url: str) -> None:
    """A worker with one slot and a long poll interval: when its lane ends, the next lane waiting in the ledger
    starts at once, not at the next poll."""
    cluster = Cluster(delays=(0.05, 0.05))
    ledger = await Ledger.open_shared(postgres_url, lease_seconds=5.0)
    first = await record_delivery(ledger, "first", ordering_key="pr:org/repo#1")
    second = await record_delivery(ledger, "second", ordering_key="pr:org/repo#2")
    worker = Dispatcher(
        ledger, max_workers=1, process=cluster.process_for("worker"), shared=SharedLanes(ledger, poll_seconds=30)
    )
    await worker.start()
    try:
        await _wait_all_finished(ledger, [first.delivery_id, second.delivery_id], timeout=10)
    finally:
        await worker.stop(grace_seconds=0)
        await ledger.close()

    assert [seq for _, _, seq in cluster.runs] == [first.seq, second.seq]
