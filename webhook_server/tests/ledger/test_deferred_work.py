"""Deferred work on a real ledger: due items run once their time comes, `Again` runs them later, a key is
active once, cancellation ends waiting items at once, and a new process resumes what the old one left."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from webhook_server.libs.pipeline.deferred import Again, DeferredResult, DeferredWork, Finished
from webhook_server.libs.pipeline.jobs import JobRequest
from webhook_server.libs.pipeline.ledger import Job, JobState, Ledger

KIND = "recheck"


def request(head: str = "a" * 40, **spec: object) -> JobRequest:
    return JobRequest(KIND, "org/repo", 7, head, "mergeable", dict(spec), "d-1")


async def until(predicate: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def finished(ledger: Ledger, job_id: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        job = await ledger.job(job_id)
        return job is not None and job.status in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)

    return check


async def test_an_item_runs_when_due_and_again_when_asked(ledger: Ledger) -> None:
    seen: list[dict[str, object]] = []

    async def handler(job: Job) -> DeferredResult:
        seen.append(dict(job.spec))
        if len(seen) < 3:
            return Again(0.05, {**job.spec, "round": len(seen)})
        return Finished(JobState.SUCCEEDED, "settled")

    work = DeferredWork(ledger)
    work.register(KIND, handler)
    job_id = await work.schedule(request(evaluate=True), 0.05)
    assert [job.job_id for job in work.pending()] == [job_id]

    await until(finished(ledger, job_id))
    job = await ledger.job(job_id)
    assert job is not None
    assert (job.status, job.outcome) == (JobState.SUCCEEDED, "settled")
    assert [(spec.get("evaluate"), spec.get("round")) for spec in seen] == [(True, None), (True, 1), (True, 2)]
    assert work.pending() == []


async def test_one_active_item_per_key_absorbs_later_requests(ledger: Ledger) -> None:
    specs: list[dict[str, object]] = []

    async def handler(job: Job) -> DeferredResult:
        specs.append(dict(job.spec))
        return Finished(JobState.SUCCEEDED, "done")

    work = DeferredWork(ledger)
    work.register(KIND, handler)
    first = await work.schedule(request(), 0.2)
    second = await work.schedule(request(evaluate=True), 0.0)
    other_head = await work.schedule(request("b" * 40), 0.0)

    assert first == second != other_head
    await until(finished(ledger, first))
    assert [spec.get("evaluate") for spec in specs if "evaluate" in spec] == [True]
    assert len(specs) == 2


async def test_cancellation_ends_waiting_items_at_once(ledger: Ledger) -> None:
    ran: list[int] = []

    async def handler(job: Job) -> DeferredResult:
        ran.append(job.job_id)
        return Finished(JobState.SUCCEEDED, "done")

    work = DeferredWork(ledger)
    work.register(KIND, handler)
    old = await work.schedule(request("a" * 40), 0.3)
    new = await work.schedule(request("b" * 40), 0.3)

    count = await work.cancel_where(lambda job: job.head_sha != "b" * 40, "head moved to bbbbbbb")

    assert count == 1
    cancelled = await ledger.job(old)
    assert cancelled is not None
    assert (cancelled.status, cancelled.error) == (JobState.CANCELLED, "head moved to bbbbbbb")
    await until(finished(ledger, new))
    assert ran == [new]


async def test_a_running_item_is_not_run_again_once_cancelled(ledger: Ledger) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def handler(job: Job) -> DeferredResult:
        started.set()
        await release.wait()
        return Again(0.0, job.spec)

    work = DeferredWork(ledger)
    work.register(KIND, handler)
    job_id = await work.schedule(request(), 0.0)
    await started.wait()
    assert await work.cancel_where(lambda job: True, "closed") == 1
    release.set()

    await until(finished(ledger, job_id))
    job = await ledger.job(job_id)
    assert job is not None
    assert (job.status, job.error) == (JobState.CANCELLED, "closed")


async def test_a_new_process_resumes_what_the_old_one_left(ledger_path: Path) -> None:
    first_ledger = await Ledger.open(ledger_path)
    idle = DeferredWork(first_ledger)
    idle.register(KIND, lambda job: asyncio.sleep(3600, Finished(JobState.SUCCEEDED, "never")))
    job_id = await idle.schedule(request(), 0.2)
    await idle.stop()  # the process ends: the row stays queued with its due time
    await first_ledger.close()

    second_ledger = await Ledger.open(ledger_path)
    try:
        resumed = DeferredWork(second_ledger)

        async def handler(job: Job) -> DeferredResult:
            return Finished(JobState.SUCCEEDED, f"resumed {job.job_id}")

        resumed.register(KIND, handler)
        [job] = await second_ledger.resumable_jobs()
        assert resumed.handles(job.kind)
        resumed.resume(job)
        await until(finished(second_ledger, job_id))
        done = await second_ledger.job(job_id)
        assert done is not None
        assert (done.status, done.outcome) == (JobState.SUCCEEDED, f"resumed {job_id}")
    finally:
        await second_ledger.close()


async def test_a_failing_handler_fails_the_item(ledger: Ledger) -> None:
    async def handler(job: Job) -> DeferredResult:
        raise RuntimeError("boom")

    work = DeferredWork(ledger)
    work.register(KIND, handler)
    job_id = await work.schedule(request(), 0.0)

    await until(finished(ledger, job_id))
    job = await ledger.job(job_id)
    assert job is not None
    assert (job.status, job.error) == (JobState.FAILED, "RuntimeError: boom")


async def test_a_request_joining_a_running_item_continues_after_it(ledger: Ledger) -> None:
    started = asyncio.Event()
    release = asyncio.Event()
    runs: list[tuple[int, dict[str, object]]] = []

    async def handler(job: Job) -> DeferredResult:
        runs.append((job.job_id, dict(job.spec)))
        if len(runs) == 1:
            started.set()
            await release.wait()
        return Finished(JobState.SUCCEEDED, "settled")

    work = DeferredWork(ledger)
    work.register(KIND, handler)
    first = await work.schedule(request(), 0.0)
    await started.wait()
    assert await work.schedule(request(evaluate=True), 0.0) == first
    release.set()

    await until(lambda: asyncio.sleep(0, len(runs) == 2 and not work.pending()))
    [(_, _), (second, spec)] = runs
    assert second != first
    assert spec["evaluate"] is True
