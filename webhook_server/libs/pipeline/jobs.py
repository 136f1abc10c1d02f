"""The job manager: subprocess-backed work outside the lanes, recorded in the ledger (`checks.md` §6).

At most `max-concurrent-jobs` jobs run at once; the others wait (in creation order). At most one job runs per
(repository, PR, head SHA, kind, name): submitting it again while it is queued reuses it, and while it runs
restarts it (same job id, back to `queued`, no completion). Jobs can be cancelled for good (a new push, a
closed PR): their ledger row becomes `cancelled` and their `cancelled` handler reports it. On shutdown the
running jobs are cancelled without any record, so the ledger keeps them `running` and they resume at start.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import heapq
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from webhook_server.libs.pipeline.ledger import Job, JobState, Ledger
from webhook_server.libs.pipeline.ledger.jobs import CANCEL_REQUEST_PREFIX, RESTART_REQUEST
from webhook_server.utils.dry_run import intercept_job

LOGGER = logging.getLogger(__name__)

JobKey = tuple[str, int | None, str | None, str, str]


@dataclass(frozen=True)
class JobOutcome:
    """How a job ended by itself: a final state, the outcome text, and an error text for failures."""

    state: JobState
    outcome: str
    error: str | None = None


@dataclass(frozen=True)
class JobHandlers:
    """What a job does: `run` it from the start, and report a final cancellation with its summary."""

    run: Callable[[Job], Awaitable[JobOutcome]]
    cancelled: Callable[[Job, str], Awaitable[None]]


@dataclass(frozen=True)
class JobRequest:
    """The ledger fields of a job to submit."""

    kind: str
    repository: str
    pr_number: int | None
    head_sha: str | None
    name: str
    spec: dict[str, Any]
    delivery_id: str | None

    @property
    def key(self) -> JobKey:
        return (self.repository, self.pr_number, self.head_sha, self.kind, self.name)


def _has_id(job_id: int, job: Job) -> bool:
    return job.job_id == job_id


def job_key(job: Job) -> JobKey:
    """The uniqueness key of a job row."""
    return (job.repository, job.pr_number, job.head_sha, job.kind, job.name)


@dataclass
class _ActiveJob:
    job: Job
    handlers: JobHandlers
    context: contextvars.Context
    done: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    cancel_summary: str | None = None
    restart: bool = False


class JobManager:
    """Runs jobs with a concurrency cap, one per key, cancellable, resumable from the ledger."""

    def __init__(self, ledger: Ledger, max_concurrent_jobs: int) -> None:
        self._ledger = ledger
        self._max_running = max_concurrent_jobs
        self._active: dict[int, _ActiveJob] = {}
        self._by_key: dict[JobKey, int] = {}
        self._pending: list[int] = []
        self._running: set[int] = set()
        self._stopping = False

    @property
    def running_count(self) -> int:
        """Jobs whose work is executing now."""
        return len(self._running)

    def active_jobs(self) -> list[Job]:
        """Queued and running jobs that have not ended, in creation order."""
        return [self._active[job_id].job for job_id in sorted(self._by_key.values())]

    def is_active(self, job_id: int) -> bool:
        """Whether this process holds the job (queued or running here)."""
        return job_id in self._active

    def has_active(self, repository: str, pr_number: int) -> bool:
        """Whether a job of this PR is queued or running."""
        return any(key[0] == repository and key[1] == pr_number for key in self._by_key)

    async def submit(self, request: JobRequest, handlers: JobHandlers) -> int:
        """Queue a job and return its id; an active job with the same key is reused (restarted if running).
        On a shared ledger the same job held by another replica is reused too: that replica is asked to
        restart it."""
        existing = self._by_key.get(request.key)
        if existing is not None:
            active = self._active[existing]
            active.handlers = handlers
            if existing in self._running:
                await self._restart(active)
            return existing
        elsewhere = await self._ledger.job_held_elsewhere(
            kind=request.kind,
            repository=request.repository,
            pr_number=request.pr_number,
            head_sha=request.head_sha,
            name=request.name,
        )
        if elsewhere is not None:
            LOGGER.info(
                "Job %d (%s %s) is held by another replica: asking it to restart", elsewhere, request.kind, request.name
            )
            await self._ledger.request_job(elsewhere, RESTART_REQUEST)
            return elsewhere
        job_id = await self._ledger.add_job(
            kind=request.kind,
            repository=request.repository,
            pr_number=request.pr_number,
            head_sha=request.head_sha,
            name=request.name,
            spec=request.spec,
            delivery_id=request.delivery_id,
        )
        job = await self._ledger.job(job_id)
        assert job is not None  # just inserted
        self._enqueue(_ActiveJob(job=job, handlers=handlers, context=contextvars.copy_context()))
        return job_id

    def adopt(self, job: Job, handlers: JobHandlers) -> None:
        """Queue a job that is already `queued` in the ledger (resume at startup)."""
        self._enqueue(_ActiveJob(job=job, handlers=handlers, context=contextvars.copy_context()))

    def _enqueue(self, active: _ActiveJob) -> None:
        self._active[active.job.job_id] = active
        self._by_key[job_key(active.job)] = active.job.job_id
        heapq.heappush(self._pending, active.job.job_id)
        self._pump()

    async def _restart(self, active: _ActiveJob) -> None:
        """Stop the running work; it goes back to `queued` and starts again from the beginning."""
        LOGGER.info("Restarting job %d (%s %s)", active.job.job_id, active.job.kind, active.job.name)
        active.restart = True
        await self._cancel_task(active)

    def _pump(self) -> None:
        while not self._stopping and self._pending and len(self._running) < self._max_running:
            job_id = heapq.heappop(self._pending)
            active = self._active[job_id]
            self._running.add(job_id)
            active.task = asyncio.create_task(
                self._execute(active), name=f"job-{job_id}-{active.job.name}", context=active.context.copy()
            )

    async def _execute(self, active: _ActiveJob) -> None:
        job_id = active.job.job_id
        job = active.job
        try:
            await self._ledger.mark_job_running(job_id)
            if intercept_job(job.kind, job.name, job.repository, job.pr_number):  # a dry run lists jobs only
                outcome = JobOutcome(JobState.CANCELLED, "dry-run", "not run: dry run")
            else:
                outcome = await active.handlers.run(job)
        except asyncio.CancelledError:
            if self._stopping:
                raise
            await self._after_cancel(active)
            return
        except Exception as error:
            LOGGER.exception("Job %d (%s %s) failed", job_id, active.job.kind, active.job.name)
            outcome = JobOutcome(JobState.FAILED, "failed", f"{type(error).__name__}: {error}")
        self._running.discard(job_id)
        self._pump()
        await self._finish(active, outcome)

    async def _after_cancel(self, active: _ActiveJob) -> None:
        """The work stopped on request: either start it again (restart) or end the job as cancelled."""
        self._running.discard(active.job.job_id)
        if active.restart:
            active.restart = False
            await self._ledger.mark_job_queued(active.job.job_id)
            if active.cancel_summary is None:  # not cancelled for good while it was being queued again
                heapq.heappush(self._pending, active.job.job_id)
                self._pump()
                return
        self._pump()
        await self._end_cancelled(active, active.cancel_summary or "Cancelled")

    async def _end_cancelled(self, active: _ActiveJob, summary: str) -> None:
        await self._finish(active, JobOutcome(JobState.CANCELLED, "cancelled", summary))
        await active.handlers.cancelled(active.job, summary)

    async def _finish(self, active: _ActiveJob, outcome: JobOutcome) -> None:
        """Record the end. The key is freed at once, so a new submission for it starts a new job."""
        job_id = active.job.job_id
        if self._by_key.get(job_key(active.job)) == job_id:
            del self._by_key[job_key(active.job)]
        try:
            await self._ledger.mark_job_finished(job_id, outcome.state, outcome.outcome, outcome.error)
        finally:
            del self._active[job_id]
            active.done.set()

    async def cancel_where(self, predicate: Callable[[Job], bool], summary: str) -> int:
        """Cancel for good every queued or running job matching `predicate`; waits until their work stopped.

        Returns how many were cancelled. `summary` is handed to each job's `cancelled` handler.
        """
        chosen = [self._active[job_id] for job_id in list(self._by_key.values())]
        chosen = [active for active in chosen if predicate(active.job)]
        queued = [active for active in chosen if active.job.job_id in self._pending]
        self._pending = [job_id for job_id in self._pending if all(job_id != item.job.job_id for item in queued)]
        heapq.heapify(self._pending)
        for active in chosen:
            active.cancel_summary = summary
            if active in queued:
                await self._end_cancelled(active, summary)
            else:
                await self._cancel_task(active)
        return len(chosen)

    async def apply_requests(self) -> int:
        """Carry out what other replicas sharing the ledger asked of this one's jobs: restart a running job, or
        cancel a job for good with the given summary. Returns how many jobs were restarted or cancelled."""
        applied = 0
        for job_id, request in await self._ledger.take_job_requests():
            active = self._active.get(job_id)
            if active is None:
                continue
            if request == RESTART_REQUEST and job_id in self._running:
                await self._restart(active)
                applied += 1
            elif request.startswith(CANCEL_REQUEST_PREFIX):
                summary = request.removeprefix(CANCEL_REQUEST_PREFIX)
                applied += await self.cancel_where(functools.partial(_has_id, job_id), summary)
        return applied

    async def _cancel_task(self, active: _ActiveJob) -> None:
        task = active.task
        assert task is not None  # a running job always has its task
        task.cancel()
        await asyncio.wait([task])
        if task.cancelled():  # cancelled before its first step: nothing handled it
            await self._after_cancel(active)

    async def wait(self, job_ids: Sequence[int]) -> None:
        """Wait until each job has ended for good (a restart does not count as an end)."""
        events = [self._active[job_id].done for job_id in job_ids if job_id in self._active]
        for event in events:
            await event.wait()

    async def stop(self) -> None:
        """Start nothing more; cancel the running work (its processes are killed) and leave the ledger as is."""
        self._stopping = True
        tasks = [task for job_id in self._running if (task := self._active[job_id].task) is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
