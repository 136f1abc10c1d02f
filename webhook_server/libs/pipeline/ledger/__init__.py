"""The durable delivery ledger (intake.md §4): an async facade over one database connection.

The database is a SQLite file of this process (the default), or a PostgreSQL database that several replicas
share (`ledger-url`). All database work runs on one dedicated thread (a single-worker executor), so calls
are serialised and the event loop never blocks. Intake records are group-committed: calls that arrive while
a commit is being written share the next transaction, so a burst costs a few fsyncs instead of one per
delivery. The table operations live in `deliveries`, `jobs`, `records` and `replicas`; the schema in
`schema`, the two backends in `database`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from webhook_server.libs.pipeline.delivery import Delivery, DeliveryStatusRow, RecordResult, RecordStatus
from webhook_server.libs.pipeline.ledger import deliveries, jobs, records, replicas
from webhook_server.libs.pipeline.ledger.database import Database, DatabaseError
from webhook_server.libs.pipeline.ledger.deliveries import DeliveryNotQueuedError
from webhook_server.libs.pipeline.ledger.jobs import Job, JobState, NewJob
from webhook_server.libs.pipeline.ledger.recording import IncomingDelivery, record_batch
from webhook_server.libs.pipeline.ledger.schema import Claim, connect, connect_postgres, to_text

__all__ = [
    "LEDGER_FILE_NAME",
    "DatabaseError",
    "Delivery",
    "DeliveryNotQueuedError",
    "DeliveryStatusRow",
    "Job",
    "JobState",
    "Ledger",
    "RecordResult",
    "RecordStatus",
]

LEDGER_FILE_NAME = "webhook-ledger.sqlite3"
_FINISH_POLL_SECONDS = 0.2
DEFAULT_LEASE_SECONDS = 30.0

logger = logging.getLogger(__name__)

_P = ParamSpec("_P")
_T = TypeVar("_T")


def new_replica_id() -> str:
    """A name for this process that no other replica, before or after it, shares."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def session_name(replica_id: str) -> str:
    """The database session name of a replica, as `pg_stat_activity` shows it (at most 63 characters)."""
    return f"webhook-server {replica_id}"[:63]


class Ledger:
    """Deliveries, jobs, effects and owned check runs, persisted in `{data_dir}/webhook-ledger.sqlite3` or in a
    PostgreSQL database shared by replicas (`shared`: work is then held by a replica with a lease)."""

    def __init__(
        self,
        connection: Database,
        executor: ThreadPoolExecutor,
        path: Path | None,
        *,
        shared: bool = False,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        replica_id: str | None = None,
    ) -> None:
        """Use `Ledger.open` or `Ledger.open_shared`; this only stores what it built."""
        self.path = path
        self.shared = shared
        self.lease_seconds = lease_seconds
        self.replica_id = replica_id or new_replica_id()
        self.closed = False
        self._connection = connection
        self._executor = executor
        self._finish_signal = asyncio.Event()
        self._pending_records: list[tuple[IncomingDelivery, asyncio.Future[RecordResult]]] = []
        self._record_flusher: asyncio.Task[None] | None = None
        self._pending_status: list[tuple[deliveries.StatusWrite, asyncio.Future[None]]] = []
        self._status_flusher: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path) -> Ledger:
        """Open or create the ledger file, with its own database thread (this process owns the file)."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")
        try:
            connection = await asyncio.get_running_loop().run_in_executor(executor, connect, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(connection, executor, path)

    @classmethod
    async def open_shared(cls, url: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Ledger:
        """Connect to the PostgreSQL ledger at `url`, which other replicas may share."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")
        replica_id = new_replica_id()
        connect = functools.partial(connect_postgres, url, session_name(replica_id))
        try:
            connection = await asyncio.get_running_loop().run_in_executor(executor, connect)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(connection, executor, None, shared=True, lease_seconds=lease_seconds, replica_id=replica_id)

    @property
    def connection_lost(self) -> bool:
        """The database connection broke: this replica's session, with its lane locks, is gone."""
        return self._connection.lost

    @property
    def session_name(self) -> str:
        """How this replica's database session is named (PostgreSQL's `application_name`)."""
        return session_name(self.replica_id)

    async def close(self) -> None:
        """Close the connection after every call already queued on the ledger thread. A shared ledger first
        ends this replica's leases, so other replicas take its unfinished work over at once."""
        if self._record_flusher is not None:
            await self._record_flusher
        if self._status_flusher is not None:
            await self._status_flusher
        if self.shared and not self._connection.lost:
            try:
                await self._run(_release_holdings, self.replica_id, self.lease_seconds)
            except DatabaseError:
                logger.exception("Could not end this replica's leases; other replicas wait for them to run out")
        await self._run_raw(self._connection.close)
        self._executor.shutdown(wait=False)
        self.closed = True

    def _claim(self) -> Claim:
        """This replica's hold on work it takes now: its id and a lease ending `lease_seconds` from now."""
        return Claim(self.replica_id, to_text(datetime.now(UTC) + timedelta(seconds=self.lease_seconds)))

    async def _run_raw(self, fn: Callable[[], _T]) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def _run(self, fn: Callable[Concatenate[Database, _P], _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        return await self._run_raw(functools.partial(fn, self._connection, *args, **kwargs))

    # deliveries

    async def record(
        self,
        *,
        header_delivery_id: str | None,
        event: str,
        action: str | None,
        repository_full_name: str,
        ordering_key: str,
        headers: Mapping[str, str],
        body: bytes,
        received_at: datetime,
    ) -> RecordResult:
        """Persist an accepted delivery durably (intake.md §4.2 dedup rules) before intake answers 200."""
        incoming = IncomingDelivery(
            header_delivery_id=header_delivery_id,
            event=event,
            action=action,
            repository_full_name=repository_full_name,
            ordering_key=ordering_key,
            headers=headers,
            body=body,
            received_at=received_at,
        )
        future: asyncio.Future[RecordResult] = asyncio.get_running_loop().create_future()
        self._pending_records.append((incoming, future))
        if self._record_flusher is None or self._record_flusher.done():
            self._record_flusher = asyncio.create_task(self._flush_records(), name="ledger group commit")
        return await future

    async def _flush_records(self) -> None:
        """Commit waiting `record` calls together: those arriving during one commit share the next one."""
        while self._pending_records:
            batch, self._pending_records = self._pending_records, []
            try:
                results = await self._run(record_batch, [incoming for incoming, _ in batch])
            except Exception as exc:  # handed to every waiting caller, which answers 503
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _status_write(self, write: deliveries.StatusWrite) -> None:
        """Queue a status update; those waiting while a commit is written share the next one, so a burst of
        processing costs the ledger thread few commits and intake records do not queue behind many."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending_status.append((write, future))
        if self._status_flusher is None or self._status_flusher.done():
            self._status_flusher = asyncio.create_task(self._flush_status(), name="ledger status commit")
        await future

    async def _flush_status(self) -> None:
        while self._pending_status:
            batch, self._pending_status = self._pending_status, []
            try:
                errors = await self._run(deliveries.apply_status_writes, [write for write, _ in batch])
            except Exception as exc:  # the commit failed: every write of the batch failed with it
                errors = [exc] * len(batch)
            for (_, future), error in zip(batch, errors, strict=True):
                if future.done():
                    continue
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(error)

    async def mark_running(self, delivery_id: str) -> None:
        """The delivery entered its lane phase. On a shared ledger it must still be queued:
        `DeliveryNotQueuedError` when another replica took it first."""
        await self._status_write(
            functools.partial(
                deliveries.mark_running, delivery_id=delivery_id, claim=self._claim(), only_queued=self.shared
            )
        )

    async def mark_lane_released(self, delivery_id: str) -> None:
        """The delivery left its lane; its followup goes on (shared ledgers record it for takeovers)."""
        await self._status_write(functools.partial(deliveries.mark_lane_released, delivery_id=delivery_id))

    async def mark_finished(self, delivery_id: str, *, succeeded: bool, outcome: str, error: str | None) -> None:
        """The delivery was finalised (`succeeded` or `failed`, with its outcome and error text)."""
        await self._status_write(
            functools.partial(
                deliveries.mark_finished, delivery_id=delivery_id, succeeded=succeeded, outcome=outcome, error=error
            )
        )
        self._finish_signal.set()
        self._finish_signal = asyncio.Event()

    async def resumable(self) -> list[Delivery]:
        """Queued and interrupted deliveries to process again, in `seq` order (intake.md §4.3)."""
        return await self._run(deliveries.resumable, self._claim())

    # replicas sharing the ledger

    async def lanes_with_work(self, limit: int) -> list[str]:
        """Lane keys with queued deliveries or ones whose holder's lease ran out, oldest work first."""
        return await self._run(deliveries.lanes_with_work, _now_text(), limit)

    async def lane_locks_held_elsewhere(self) -> frozenset[int]:
        """Lock ids (`replicas.lane_lock_id`) of the lanes other replicas hold now."""
        return await self._run(replicas.lane_locks_held_elsewhere)

    async def take_lane(self, key: str) -> list[Delivery] | None:
        """Lock lane `key` for this replica and return its deliveries to run; `None` when another replica
        holds the lane. A lane taken must be given back with `release_lane`."""
        return await self._run(_take_lane, key, self._claim(), _now_text())

    async def lane_deliveries(self, key: str, known: Collection[str]) -> list[Delivery]:
        """Queued deliveries of lane `key` (which this replica holds) other than the `known` ids."""
        return await self._run(deliveries.queued_in_lane, key, frozenset(known))

    async def release_lane(self, key: str) -> None:
        """Give a lane taken with `take_lane` back."""
        await self._run(replicas.unlock_lane, key)

    async def heartbeat(self, role: str) -> int:
        """Renew this replica's leases and its heartbeat; returns how many replicas process deliveries."""
        return await self._run(_heartbeat, self._claim(), role, self.lease_seconds)

    async def evaluation_started(self, pr_key: str, hook_id: str) -> None:
        """Record that a merge evaluation of the PR starts now (seen by every replica)."""
        await self._run(replicas.evaluation_started, pr_key, hook_id, _now_text())

    async def last_evaluation(self, pr_key: str) -> tuple[datetime, str] | None:
        """When the PR's latest merge evaluation started (on any replica) and for which delivery."""
        last = await self._run(replicas.last_evaluation, pr_key)
        return None if last is None else (datetime.fromisoformat(last[0]), last[1])

    async def stored_delivery(self, delivery_id: str) -> Delivery | None:
        """The stored delivery (headers, body) with this id, whatever its status; `None` when unknown."""
        return await self._run(deliveries.stored, delivery_id)

    async def status_of(self, delivery_id: str) -> DeliveryStatusRow | None:
        """The recorded state of one delivery, or `None` when the id is unknown."""
        return await self._run(deliveries.status_of, delivery_id)

    async def wait_until_finished(self, delivery_id: str, timeout: float) -> DeliveryStatusRow:  # noqa: ASYNC109
        """Wait until the delivery succeeded or failed; `TimeoutError` after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            signal = self._finish_signal
            row = await self.status_of(delivery_id)
            if row is not None and row.finished:
                return row
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"delivery {delivery_id} did not finish within {timeout} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), min(remaining, _FINISH_POLL_SECONDS))

    async def queue_depth(self) -> int:
        """Number of queued deliveries not yet in a lane phase."""
        return await self._run(deliveries.queue_depth)

    async def oldest_queued_age_seconds(self) -> float | None:
        """Seconds the longest-waiting queued delivery has waited, or `None` when nothing is queued."""
        received_at = await self._run(deliveries.oldest_queued_received_at)
        return None if received_at is None else (datetime.now(UTC) - received_at).total_seconds()

    async def latest_received_at(self) -> datetime | None:
        """When the newest delivery the ledger holds arrived (`None` for an empty ledger)."""
        return await self._run(deliveries.latest_received_at)

    async def knows_delivery(self, delivery_id: str) -> bool:
        """Whether a delivery with this id was recorded (in any state)."""
        return await self.status_of(delivery_id) is not None

    # effects and owned check runs

    async def effect_get(self, key: str) -> str | None:
        """The recorded value of an already performed effect, or `None`."""
        return await self._run(records.effect_get, key)

    async def effect_put(self, key: str, value: str) -> None:
        """Record a performed effect."""
        await self._run(records.effect_put, key, value)

    async def check_run_get(self, repository: str, head_sha: str, name: str) -> int | None:
        """Id of the check run we own for (repository, head SHA, name), if recorded."""
        return await self._run(records.check_run_get, repository, head_sha, name)

    async def check_run_put(self, repository: str, head_sha: str, name: str, check_run_id: int) -> None:
        """Record the id of the check run we own for (repository, head SHA, name)."""
        await self._run(records.check_run_put, repository, head_sha, name, check_run_id)

    # jobs

    async def add_job(
        self,
        *,
        kind: str,
        repository: str,
        pr_number: int | None,
        head_sha: str | None,
        name: str,
        spec: dict[str, Any],
        delivery_id: str | None,
    ) -> int:
        """Record a new `queued` job; returns its id."""
        job = NewJob(
            kind=kind,
            repository=repository,
            pr_number=pr_number,
            head_sha=head_sha,
            name=name,
            spec=spec,
            delivery_id=delivery_id,
        )
        return await self._run(jobs.add_job, job, self._claim())

    async def job_held_elsewhere(
        self, *, kind: str, repository: str, pr_number: int | None, head_sha: str | None, name: str
    ) -> int | None:
        """On a shared ledger: the id of the same unfinished PR job that another live replica holds."""
        if not self.shared:
            return None
        job = NewJob(kind, repository, pr_number, head_sha, name, {}, None)
        return await self._run(jobs.held_elsewhere, job, self.replica_id, _now_text())

    async def request_job(self, job_id: int, request: str) -> None:
        """Ask the replica holding the job to `restart` it, or to cancel it (`cancel:<summary>`)."""
        await self._run(jobs.request_job, job_id, request)

    async def request_cancel_elsewhere(
        self, repository: str, pr_number: int, summary: str, *, kind: str | None = None, keep_sha: str | None = None
    ) -> int:
        """On a shared ledger: ask the other replicas to cancel their unfinished jobs of the PR (see
        `jobs.request_cancel_elsewhere`); returns how many were asked."""
        if not self.shared:
            return 0
        return await self._run(
            jobs.request_cancel_elsewhere, self.replica_id, repository, pr_number, summary, kind=kind, keep_sha=keep_sha
        )

    async def take_job_requests(self) -> list[tuple[int, str]]:
        """What other replicas asked of this replica's jobs (each request once)."""
        return await self._run(jobs.take_requests, self.replica_id)

    async def job(self, job_id: int) -> Job | None:
        """One job row, or `None` when the id is unknown."""
        return await self._run(jobs.job_by_id, job_id)

    async def mark_job_queued(self, job_id: int) -> None:
        """Put a job back to `queued` (a restart such as `/retest`)."""
        await self._run(jobs.mark_job_queued, job_id)

    async def reschedule_job(self, job_id: int, spec: dict[str, Any]) -> None:
        """Put deferred work back to `queued` with its new spec (next due time, attempt)."""
        await self._run(jobs.reschedule_job, job_id, spec)

    async def mark_job_running(self, job_id: int) -> None:
        """The job's process started."""
        await self._run(jobs.mark_job_running, job_id, self._claim())

    async def mark_job_finished(self, job_id: int, status: JobState, outcome: str, error: str | None = None) -> None:
        """The job ended: `succeeded`, `failed` or `cancelled`."""
        await self._run(jobs.mark_job_finished, job_id, status, outcome, error)

    async def resumable_jobs(self) -> list[Job]:
        """Queued and interrupted jobs to run again from the start, in creation order. On a shared ledger
        only jobs no live replica holds (no owner, or a lease that ran out), now held by this one."""
        expired_before = _now_text() if self.shared else None
        return await self._run(jobs.resumable_jobs, self._claim(), expired_before=expired_before)

    async def jobs_for_pr(
        self, repository: str, pr_number: int, statuses: Collection[JobState] | None = None
    ) -> list[Job]:
        """The jobs of one pull request in creation order, optionally filtered by state."""
        return await self._run(jobs.jobs_for_pr, repository, pr_number, statuses)

    # retention

    async def prune(self, *, retention_days: int, now: datetime) -> int:
        """Delete finished deliveries and jobs older than the retention, and effects older than 180 days.

        Returns the number of rows deleted.
        """
        finished_cutoff = now - timedelta(days=retention_days)
        records_cutoff = now - timedelta(days=records.EFFECTS_RETENTION_DAYS)
        pruned_deliveries = await self._run(deliveries.prune_finished, finished_cutoff)
        pruned_jobs = await self._run(jobs.prune_finished_jobs, finished_cutoff)
        pruned_records = await self._run(records.prune_records, records_cutoff)
        return pruned_deliveries + pruned_jobs + pruned_records

    async def run_housekeeping(self, *, retention_days: int, interval_seconds: float = 86400.0) -> None:
        """Prune now and then every `interval_seconds`, until cancelled (run it as a lifespan task)."""
        while True:
            try:
                removed = await self.prune(retention_days=retention_days, now=datetime.now(UTC))
            except DatabaseError:
                logger.exception("Ledger housekeeping failed; retrying in %s s", interval_seconds)
            else:
                logger.info("Ledger housekeeping removed %d rows", removed)
            await asyncio.sleep(interval_seconds)


def _now_text() -> str:
    return to_text(datetime.now(UTC))


def _take_lane(connection: Database, key: str, claim: Claim, now: str) -> list[Delivery] | None:
    if not replicas.try_lock_lane(connection, key):
        return None
    try:
        return deliveries.take_lane(connection, key, claim, now)
    except BaseException:
        replicas.unlock_lane(connection, key)
        raise


def _heartbeat(connection: Database, claim: Claim, role: str, lease_seconds: float) -> int:
    now = datetime.now(UTC)
    deliveries.renew_leases(connection, claim)
    jobs.renew_job_leases(connection, claim)
    replicas.beat(connection, claim.owner, role, to_text(now))
    return replicas.live_workers(connection, to_text(now - timedelta(seconds=lease_seconds)))


def _release_holdings(connection: Database, replica_id: str, lease_seconds: float) -> None:
    """A clean stop: end the replica's leases, and forget it (and replicas silent for 10 leases)."""
    deliveries.release_leases(connection, replica_id)
    jobs.release_job_leases(connection, replica_id)
    silent_before = to_text(datetime.now(UTC) - timedelta(seconds=10 * lease_seconds))
    replicas.forget(connection, replica_id, silent_before=silent_before)
