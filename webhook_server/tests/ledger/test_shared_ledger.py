"""Replicas sharing one PostgreSQL ledger: lanes held by one replica at a time, work a dead replica left
taken over (at once for a lane phase, after its lease for a followup or a job), heartbeats, migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import psycopg
import pytest

from webhook_server.libs.pipeline.delivery import Delivery, DeliveryState, RecordResult
from webhook_server.libs.pipeline.ledger import JobState, Ledger
from webhook_server.libs.pipeline.ledger.replicas import lane_lock_id
from webhook_server.libs.pipeline.ledger.schema import SCHEMA_VERSION, LedgerSchemaError
from webhook_server.tests.ledger.helpers import record_delivery

LANE = "pr:org/repo#1"

OpenReplica = Callable[..., Awaitable[Ledger]]


@pytest.fixture
async def open_replica(postgres_url: str) -> AsyncIterator[OpenReplica]:
    """Open ledgers on one shared database, as separate replicas would; closed at teardown."""
    opened: list[Ledger] = []

    async def open_one(lease_seconds: float = 30.0) -> Ledger:
        ledger = await Ledger.open_shared(postgres_url, lease_seconds=lease_seconds)
        opened.append(ledger)
        return ledger

    yield open_one
    for ledger in opened:
        if not ledger.closed:
            await ledger.close()


async def _take_when_free(ledger: Ledger, key: str) -> list[Delivery]:
    """Take the lane as a replica's poll would: once the server has ended the previous holder's session."""
    async with asyncio.timeout(10):
        while (taken := await ledger.take_lane(key)) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return taken


async def _kill(ledger: Ledger, postgres_url: str) -> None:
    """End a replica's database session from outside, without its clean stop, as its SIGKILL would."""
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        ended = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (ledger.session_name,),
        ).fetchall()
    assert ended == [(True,)]


async def test_one_replica_at_a_time_holds_a_lane(open_replica: OpenReplica) -> None:
    first, second = await open_replica(), await open_replica()
    delivery = await record_delivery(first, "d-1", ordering_key=LANE)

    taken_by_first = await first.take_lane(LANE)
    taken_by_second = await second.take_lane(LANE)
    await first.release_lane(LANE)
    taken_after_release = await second.take_lane(LANE)

    assert [item.delivery_id for item in taken_by_first or []] == [delivery.delivery_id]
    assert taken_by_second is None
    assert [item.delivery_id for item in taken_after_release or []] == [delivery.delivery_id]


async def test_a_lane_holder_reads_what_another_intake_recorded_since_in_seq_order(
    open_replica: OpenReplica,
) -> None:
    holder, intake = await open_replica(), await open_replica()
    first = await record_delivery(holder, "d-0", ordering_key=LANE)
    taken = await holder.take_lane(LANE)
    later = [await record_delivery(intake, f"d-{index}", ordering_key=LANE) for index in range(1, 251)]
    await record_delivery(intake, "elsewhere", ordering_key="pr:org/repo#2")

    new = await holder.lane_deliveries(LANE, known={first.delivery_id})

    assert [item.delivery_id for item in taken or []] == ["d-0"]
    assert new == later  # more than one statement's worth of ids, whole rows, in seq order


async def test_a_delivery_is_claimed_once(open_replica: OpenReplica) -> None:
    first, second = await open_replica(), await open_replica()
    await record_delivery(first, "d-1", ordering_key=LANE)

    await first.mark_running("d-1")
    claimed_twice = await asyncio.gather(second.mark_running("d-1"), return_exceptions=True)

    assert type(claimed_twice[0]).__name__ == "DeliveryNotQueuedError"


async def test_a_lane_phase_of_a_dead_replica_is_taken_over_at_once_with_an_attempt(
    open_replica: OpenReplica, postgres_url: str
) -> None:
    dying, survivor = await open_replica(), await open_replica()
    await record_delivery(dying, "d-1", ordering_key=LANE)
    await record_delivery(dying, "d-2", ordering_key=LANE)
    assert await dying.take_lane(LANE) is not None
    await dying.mark_running("d-1")

    await _kill(dying, postgres_url)
    taken = await _take_when_free(survivor, LANE)

    assert [(item.delivery_id, item.attempts) for item in taken or []] == [("d-1", 1), ("d-2", 0)]


async def test_a_followup_is_left_alone_until_its_lease_runs_out_then_ends_interrupted(
    open_replica: OpenReplica,
) -> None:
    holder, other = await open_replica(lease_seconds=1.0), await open_replica()
    await record_delivery(holder, "d-1", ordering_key=LANE)
    assert await holder.take_lane(LANE) is not None
    await holder.mark_running("d-1")
    await holder.mark_lane_released("d-1")  # the lane phase ended; its followup (waiting for jobs) goes on
    await holder.release_lane(LANE)

    while_held = await other.take_lane(LANE)
    await other.release_lane(LANE)
    lanes_while_held = await other.lanes_with_work(10)
    await asyncio.sleep(1.2)  # the holder stopped renewing: its lease ran out
    lanes_after = await other.lanes_with_work(10)
    after_lease = await other.take_lane(LANE)

    assert while_held == []
    assert lanes_while_held == []
    assert lanes_after == [LANE]
    assert after_lease == []  # its changes were made: running it again after later deliveries would undo them
    row = await other.status_of("d-1")
    assert row is not None
    assert (row.status, row.outcome) == (DeliveryState.FAILED, "interrupted")
    assert row.error is not None
    assert "after the lane phase" in row.error


async def test_a_heartbeat_keeps_a_followup_and_jobs_held(open_replica: OpenReplica) -> None:
    holder, other = await open_replica(lease_seconds=1.0), await open_replica()
    await record_delivery(holder, "d-1", ordering_key=LANE)
    assert await holder.take_lane(LANE) is not None
    await holder.mark_running("d-1")
    await holder.mark_lane_released("d-1")
    await holder.release_lane(LANE)
    job_id = await holder.add_job(
        kind="check", repository="org/repo", pr_number=1, head_sha="a" * 40, name="tox", spec={}, delivery_id="d-1"
    )

    for _ in range(4):
        await asyncio.sleep(0.4)
        await holder.heartbeat("worker")

    assert await other.lanes_with_work(10) == []
    assert await other.resumable_jobs() == []
    job = await holder.job(job_id)
    assert job is not None
    assert job.status is JobState.QUEUED


async def test_jobs_of_a_dead_replica_are_taken_over_once_after_their_lease(
    open_replica: OpenReplica, postgres_url: str
) -> None:
    dying = await open_replica(lease_seconds=1.0)
    first, second = await open_replica(), await open_replica()
    queued = await dying.add_job(
        kind="check", repository="org/repo", pr_number=1, head_sha="a" * 40, name="tox", spec={}, delivery_id=None
    )
    running = await dying.add_job(
        kind="check", repository="org/repo", pr_number=1, head_sha="a" * 40, name="build", spec={}, delivery_id=None
    )
    await dying.mark_job_running(running)
    await _kill(dying, postgres_url)

    before_lease = await first.resumable_jobs()
    await asyncio.sleep(1.2)
    taken = await asyncio.gather(first.resumable_jobs(), second.resumable_jobs())

    assert before_lease == []
    taken_ids = sorted(job.job_id for jobs in taken for job in jobs)
    assert taken_ids == [queued, running]  # each by exactly one replica
    attempts = {job.job_id: job.attempts for jobs in taken for job in jobs}
    assert attempts == {queued: 0, running: 1}


async def test_a_clean_stop_hands_its_work_over_at_once(open_replica: OpenReplica) -> None:
    stopping, other = await open_replica(), await open_replica()
    await record_delivery(stopping, "d-1", ordering_key=LANE)
    assert await stopping.take_lane(LANE) is not None
    await stopping.mark_running("d-1")
    await stopping.mark_lane_released("d-1")
    job_id = await stopping.add_job(
        kind="check", repository="org/repo", pr_number=1, head_sha=None, name="tox", spec={}, delivery_id=None
    )

    await stopping.close()
    taken = await _take_when_free(other, LANE)

    assert taken == []
    row = await other.status_of("d-1")
    assert row is not None
    assert row.outcome == "interrupted"
    assert [job.job_id for job in await other.resumable_jobs()] == [job_id]


async def test_heartbeats_count_the_live_workers(open_replica: OpenReplica) -> None:
    intake, worker, both = await open_replica(), await open_replica(), await open_replica()

    await intake.heartbeat("intake")
    await worker.heartbeat("worker")
    counted = await both.heartbeat("all")
    await worker.close()
    after_stop = await both.heartbeat("all")

    assert (counted, after_stop) == (2, 1)


async def test_finished_deliveries_are_shared(open_replica: OpenReplica) -> None:
    first, second = await open_replica(), await open_replica()
    await record_delivery(first, "d-1", ordering_key=LANE)
    await first.mark_running("d-1")
    await first.mark_finished("d-1", succeeded=True, outcome="success", error=None)

    row = await second.status_of("d-1")
    duplicate = await second.record(
        header_delivery_id="d-1",
        event="pull_request",
        action="opened",
        repository_full_name="org/repo",
        ordering_key=LANE,
        headers={},
        body=b"{}",
        received_at=datetime.now(UTC),
    )

    assert row is not None
    assert row.status is DeliveryState.SUCCEEDED
    assert duplicate.delivery is None


async def test_replicas_starting_together_migrate_once(postgres_url: str) -> None:
    ledgers = await asyncio.gather(*(Ledger.open_shared(postgres_url) for _ in range(4)))
    for ledger in ledgers:
        await ledger.close()

    with psycopg.connect(postgres_url) as connection:
        versions = connection.execute("SELECT version FROM ledger_schema").fetchall()
    assert versions == [(SCHEMA_VERSION,)]


def _body_compression(postgres_url: str) -> tuple[str | None, list[str | None]]:
    """The `deliveries.body` column's compression method, and the method each stored body used."""
    with psycopg.connect(postgres_url) as connection:
        column = connection.execute(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = 'deliveries'::regclass AND attname = 'body'"
        ).fetchone()
        rows = connection.execute("SELECT pg_column_compression(body) FROM deliveries ORDER BY seq").fetchall()
    assert column is not None
    return column[0], [row[0] for row in rows]


PR_SIZED_BODY = b'{"action": "edited", "pull_request": {"body": "' + b"lorem ipsum " * 2000 + b'"}}'


async def test_delivery_bodies_are_stored_with_lz4(open_replica: OpenReplica, postgres_url: str) -> None:
    ledger = await open_replica()
    await record_delivery(ledger, "big", body=PR_SIZED_BODY)

    assert _body_compression(postgres_url) == ("l", ["lz4"])


async def test_a_version_2_ledger_is_upgraded_to_lz4_bodies(postgres_url: str) -> None:
    ledger = await Ledger.open_shared(postgres_url)
    await ledger.close()
    with psycopg.connect(postgres_url) as connection:  # as version 2 left it: pglz, the server's default
        connection.execute("ALTER TABLE deliveries ALTER COLUMN body SET COMPRESSION pglz")
        connection.execute("UPDATE ledger_schema SET version = 2")
    ledger = await Ledger.open_shared(postgres_url)
    try:
        await record_delivery(ledger, "after-upgrade", body=PR_SIZED_BODY)
    finally:
        await ledger.close()

    assert _body_compression(postgres_url) == ("l", ["lz4"])
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT version FROM ledger_schema").fetchall() == [(SCHEMA_VERSION,)]


async def test_a_newer_schema_is_refused(postgres_url: str) -> None:
    ledger = await Ledger.open_shared(postgres_url)
    await ledger.close()
    with psycopg.connect(postgres_url) as connection:
        connection.execute("UPDATE ledger_schema SET version = %s", (SCHEMA_VERSION + 1,))

    with pytest.raises(LedgerSchemaError, match="newer than supported"):
        await Ledger.open_shared(postgres_url)


async def test_a_replica_sees_which_lanes_the_others_hold(open_replica: OpenReplica) -> None:
    holder, other = await open_replica(), await open_replica()
    keys = [f"pr:org/repo#{number}" for number in range(8)]
    ids = {lane_lock_id(key) for key in keys}
    assert min(ids) < 0 < max(ids)  # both halves of the signed 64-bit range come back as they were locked
    for key in keys:
        assert await holder.take_lane(key) is not None
    await holder.release_lane(keys[0])

    assert await other.lane_locks_held_elsewhere() == ids - {lane_lock_id(keys[0])}
    assert await holder.lane_locks_held_elsewhere() == frozenset()  # its own locks are not "elsewhere"


async def test_two_intake_replicas_recording_the_same_ids_at_once_queue_each_id_once(postgres_url: str) -> None:
    """GitHub may redeliver to another replica while the first still records: the later insert finds the row the
    other replica committed and answers duplicate, instead of failing its whole batch."""
    first, second = await Ledger.open_shared(postgres_url), await Ledger.open_shared(postgres_url)
    ids = [f"race-{number}" for number in range(300)]

    def record_all(ledger: Ledger) -> list[Awaitable[RecordResult]]:
        return [
            ledger.record(
                header_delivery_id=delivery_id,
                event="push",
                action=None,
                repository_full_name="org/repo",
                ordering_key="ref:org/repo:refs/heads/main",
                headers={},
                body=b"{}",
                received_at=datetime.now(UTC),
            )
            for delivery_id in ids
        ]

    try:
        results = await asyncio.gather(*record_all(first), *record_all(second))
        queued = [result.delivery.delivery_id for result in results if result.delivery is not None]
        depth = await first.queue_depth()
    finally:
        await first.close()
        await second.close()

    assert sorted(queued) == sorted(ids)
    assert depth == len(ids)


async def test_a_ledger_knows_when_its_session_is_gone(postgres_url: str) -> None:
    ledger = await Ledger.open_shared(postgres_url)
    try:
        healthy = ledger.connection_lost
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                (ledger.session_name,),
            )
        with pytest.raises(psycopg.OperationalError):
            await ledger.queue_depth()
        lost = ledger.connection_lost
    finally:
        await ledger.close()  # ends without trying to release leases on the broken session

    assert (healthy, lost) == (False, True)


async def test_a_sqlite_ledger_has_no_session_to_lose(ledger: Ledger) -> None:
    assert await ledger.queue_depth() == 0
    assert ledger.connection_lost is False
