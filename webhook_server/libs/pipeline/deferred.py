"""Deferred work: ledger-backed timers that run a registered handler when due, holding no lane while waiting.

A deferred item is a row of the ledger's `jobs` table (its own `kind`): `queued` while it waits, `running`
while its handler runs. Its spec holds the due time (`due_at`, UTC ISO text), so it survives a restart:
the runtime hands unfinished rows of a registered kind to `resume`, which arms them again. Waiting holds
no lane, no worker slot and no job slot. A handler answers `Again(delay, spec)` to run once more later, or
`Finished(...)`. At most one active item per key (repository, PR, head SHA, kind, name): scheduling an
active key merges the new spec fields into it and keeps its due time. `cancel_where` ends matching items at
once (a closed PR, a moved head), cancelling a handler that is running or waiting for its lane.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from webhook_server.libs.pipeline.jobs import JobKey, JobRequest, job_key
from webhook_server.libs.pipeline.ledger import Job, JobState, Ledger
from webhook_server.libs.pipeline.ledger.schema import from_text, to_text

LOGGER = logging.getLogger(__name__)

DUE_AT = "due_at"


@dataclass(frozen=True)
class Again:
    """Run the item once more after `delay` seconds, with `spec` (the due time is added)."""

    delay: float
    spec: Mapping[str, Any]


@dataclass(frozen=True)
class Finished:
    """The item ended: its final ledger state, outcome text and error text."""

    state: JobState
    outcome: str
    error: str | None = None


DeferredResult = Again | Finished
DeferredHandler = Callable[[Job], Awaitable[DeferredResult]]


@dataclass
class _Item:
    job: Job
    task: asyncio.Task[None] | None = None
    running: bool = False
    cancel_reason: str | None = None
    joined: dict[str, Any] = field(default_factory=dict)  # spec fields requested while it was running
    joined_delay: float = 0.0


def _due_in(job: Job) -> float:
    due = from_text(job.spec.get(DUE_AT))
    return 0.0 if due is None else max(0.0, (due - datetime.now(UTC)).total_seconds())


def _due_spec(spec: Mapping[str, Any], delay: float) -> dict[str, Any]:
    return {**spec, DUE_AT: to_text(datetime.now(UTC) + timedelta(seconds=delay))}


class DeferredWork:
    """Schedules, resumes, runs and cancels deferred items; one per process (see the module docstring)."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._handlers: dict[str, DeferredHandler] = {}
        self._items: dict[int, _Item] = {}
        self._by_key: dict[JobKey, int] = {}
        self._stopping = False

    def register(self, kind: str, handler: DeferredHandler) -> None:
        """`handler` runs every due item of `kind`."""
        self._handlers[kind] = handler

    def handles(self, kind: str) -> bool:
        """Whether items of `kind` are deferred work (resumed by `resume`)."""
        return kind in self._handlers

    def pending(self) -> list[Job]:
        """The active items (waiting or running), in creation order."""
        return [self._items[job_id].job for job_id in sorted(self._items)]

    async def schedule(self, request: JobRequest, delay: float) -> int:
        """Run `request` in `delay` seconds; an active item with its key absorbs it. Returns the item id."""
        existing = self._by_key.get(request.key)
        if existing is not None:
            await self._join(self._items[existing], request.spec, delay)
            return existing
        spec = _due_spec(request.spec, delay)
        job_id = await self._ledger.add_job(
            kind=request.kind,
            repository=request.repository,
            pr_number=request.pr_number,
            head_sha=request.head_sha,
            name=request.name,
            spec=spec,
            delivery_id=request.delivery_id,
        )
        job = await self._ledger.job(job_id)
        assert job is not None  # just inserted
        self._arm(_Item(job))
        return job_id

    def resume(self, job: Job) -> None:
        """Arm an item left unfinished by a previous process (it runs at once when already due)."""
        LOGGER.info("Resuming deferred %s %d of %s#%s", job.kind, job.job_id, job.repository, job.pr_number)
        self._arm(_Item(job))

    async def cancel_where(self, predicate: Callable[[Job], bool], reason: str) -> int:
        """End every active item matching `predicate` at once as cancelled (a running handler is cancelled)."""
        chosen = [item for item in self._items.values() if predicate(item.job)]
        for item in chosen:
            item.cancel_reason = reason
            item.joined.clear()
            assert item.task is not None  # an active item always has its task
            item.task.cancel()
        for item in chosen:
            assert item.task is not None
            await asyncio.wait([item.task])
            if item.job.job_id in self._items:
                await self._end(item, Finished(JobState.CANCELLED, "cancelled", reason))
        return len(chosen)

    async def stop(self) -> None:
        """Cancel every timer and running handler; the ledger keeps the rows for the next start."""
        self._stopping = True
        tasks = [item.task for item in self._items.values() if item.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _join(self, item: _Item, spec: Mapping[str, Any], delay: float) -> None:
        if item.running:
            item.joined.update(spec)
            item.joined_delay = delay
            return
        merged = {**item.job.spec, **spec, DUE_AT: item.job.spec.get(DUE_AT)}
        await self._ledger.reschedule_job(item.job.job_id, merged)
        item.job = replace(item.job, spec=merged)

    def _arm(self, item: _Item) -> None:
        if self._stopping:
            return
        self._items[item.job.job_id] = item
        self._by_key[job_key(item.job)] = item.job.job_id
        name = f"deferred {item.job.kind} {item.job.job_id}"
        item.task = asyncio.create_task(self._when_due(item), name=name, context=contextvars.Context())

    async def _when_due(self, item: _Item) -> None:
        await asyncio.sleep(_due_in(item.job))
        item.running = True
        await self._ledger.mark_job_running(item.job.job_id)
        result = await self._run_handler(item.job)
        item.running = False
        if item.cancel_reason is not None:  # cancelled while it ran: `cancel_where` ends it
            return
        if isinstance(result, Again):
            await self._again(item, result)
        else:
            await self._end(item, result)

    async def _run_handler(self, job: Job) -> DeferredResult:
        try:
            return await self._handlers[job.kind](job)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            LOGGER.exception("Deferred %s %d failed", job.kind, job.job_id)
            return Finished(JobState.FAILED, "failed", f"{type(error).__name__}: {error}")

    async def _again(self, item: _Item, result: Again) -> None:
        spec = _due_spec({**result.spec, **item.joined}, result.delay)
        item.joined.clear()
        await self._ledger.reschedule_job(item.job.job_id, spec)
        item.job = replace(item.job, spec=spec, status=JobState.QUEUED)
        self._arm(item)

    async def _end(self, item: _Item, result: Finished) -> None:
        job = item.job
        if self._by_key.get(job_key(job)) == job.job_id:
            del self._by_key[job_key(job)]
        self._items.pop(job.job_id, None)
        await self._ledger.mark_job_finished(job.job_id, result.state, result.outcome, result.error)
        if item.joined and result.state is JobState.SUCCEEDED:  # asked for again while it ran: a new item
            request = JobRequest(
                job.kind, job.repository, job.pr_number, job.head_sha, job.name, dict(item.joined), job.delivery_id
            )
            await self.schedule(request, item.joined_delay)
