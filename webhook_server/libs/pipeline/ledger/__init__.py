"""The durable delivery ledger (intake.md §4): an async facade over one SQLite connection.

All SQLite work runs on one dedicated thread (a single-worker executor), so calls are serialised and the
event loop never blocks. Intake records are group-committed: calls that arrive while a commit is being
written share the next transaction, so a burst costs a few fsyncs instead of one per delivery.
The table operations live in `deliveries`, `jobs` and `records`; the file format in
`schema`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from webhook_server.libs.pipeline.delivery import Delivery, DeliveryStatusRow, RecordResult, RecordStatus
from webhook_server.libs.pipeline.ledger import deliveries, jobs, records
from webhook_server.libs.pipeline.ledger.deliveries import IncomingDelivery
from webhook_server.libs.pipeline.ledger.jobs import Job, JobState, NewJob
from webhook_server.libs.pipeline.ledger.schema import connect

__all__ = [
    "LEDGER_FILE_NAME",
    "Delivery",
    "DeliveryStatusRow",
    "Job",
    "JobState",
    "Ledger",
    "RecordResult",
    "RecordStatus",
]

LEDGER_FILE_NAME = "webhook-ledger.sqlite3"
_FINISH_POLL_SECONDS = 0.2

logger = logging.getLogger(__name__)

_P = ParamSpec("_P")
_T = TypeVar("_T")


class Ledger:
    """Deliveries, jobs, effects and owned check runs, persisted in `{data_dir}/webhook-ledger.sqlite3`."""

    def __init__(self, connection: sqlite3.Connection, executor: ThreadPoolExecutor, path: Path) -> None:
        """Use `Ledger.open`; this only stores what it built."""
        self.path = path
        self._connection = connection
        self._executor = executor
        self._finish_signal = asyncio.Event()
        self._pending_records: list[tuple[IncomingDelivery, asyncio.Future[RecordResult]]] = []
        self._record_flusher: asyncio.Task[None] | None = None
        self._pending_status: list[tuple[deliveries.StatusWrite, asyncio.Future[None]]] = []
        self._status_flusher: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path) -> Ledger:
        """Open or create the ledger file, with its own database thread."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")
        try:
            connection = await asyncio.get_running_loop().run_in_executor(executor, connect, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(connection, executor, path)

    async def close(self) -> None:
        """Close the connection after every call already queued on the ledger thread."""
        if self._record_flusher is not None:
            await self._record_flusher
        if self._status_flusher is not None:
            await self._status_flusher
        await self._run_raw(self._connection.close)
        self._executor.shutdown(wait=False)

    async def _run_raw(self, fn: Callable[[], _T]) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def _run(
        self, fn: Callable[Concatenate[sqlite3.Connection, _P], _T], *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
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
                results = await self._run(deliveries.record_batch, [incoming for incoming, _ in batch])
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
        """The delivery entered its lane phase."""
        await self._status_write(functools.partial(deliveries.mark_running, delivery_id=delivery_id))

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
        return await self._run(deliveries.resumable)

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
        return await self._run(jobs.add_job, job)

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
        await self._run(jobs.mark_job_running, job_id)

    async def mark_job_finished(self, job_id: int, status: JobState, outcome: str, error: str | None = None) -> None:
        """The job ended: `succeeded`, `failed` or `cancelled`."""
        await self._run(jobs.mark_job_finished, job_id, status, outcome, error)

    async def resumable_jobs(self) -> list[Job]:
        """Queued and interrupted jobs to run again from the start, in creation order."""
        return await self._run(jobs.resumable_jobs)

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
            except sqlite3.Error:
                logger.exception("Ledger housekeeping failed; retrying in %s s", interval_seconds)
            else:
                logger.info("Ledger housekeeping removed %d rows", removed)
            await asyncio.sleep(interval_seconds)
