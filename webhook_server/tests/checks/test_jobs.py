"""The job manager on a real ledger: cap, creation order, one job per key, restart, cancel, failure, stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from webhook_server.libs.pipeline.jobs import JobHandlers, JobManager, JobOutcome, JobRequest
from webhook_server.libs.pipeline.ledger import LEDGER_FILE_NAME, Job, JobState, Ledger

SUCCESS = JobOutcome(JobState.SUCCEEDED, "success")


@dataclass
class Work:
    """Job work the test controls: each run waits for `release` unless told to finish at once."""

    name: str
    release: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    runs: int = 0
    cancelled_with: list[str] = field(default_factory=list)
    outcome: JobOutcome = SUCCESS
    error: Exception | None = None
    log: list[str] | None = None

    def handlers(self) -> JobHandlers:
        async def run(job: Job) -> JobOutcome:
            self.runs += 1
            if self.log is not None:
                self.log.append(f"start {self.name}")
            self.started.set()
            await self.release.wait()
            if self.log is not None:
                self.log.append(f"end {self.name}")
            if self.error is not None:
                raise self.error
            return self.outcome

        async def cancelled(job: Job, summary: str) -> None:
            self.cancelled_with.append(summary)

        return JobHandlers(run=run, cancelled=cancelled)


def request(name: str, head_sha: str = "a" * 40, pr_number: int = 1, kind: str = "check") -> JobRequest:
    return JobRequest(
        kind=kind,
        repository="acme/widget",
        pr_number=pr_number,
        head_sha=head_sha,
        name=name,
        spec={"name": name},
        delivery_id="delivery-1",
    )


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[Ledger]:
    opened = await Ledger.open(tmp_path / LEDGER_FILE_NAME)
    yield opened
    await opened.close()


async def _status(ledger: Ledger, job_id: int) -> tuple[JobState, str | None, str | None]:
    job = await ledger.job(job_id)
    assert job is not None
    return job.status, job.outcome, job.error


async def test_at_most_the_cap_runs_and_the_rest_start_in_creation_order(ledger: Ledger) -> None:
    manager = JobManager(ledger, max_concurrent_jobs=2)
    log: list[str] = []
    works = [Work(f"w{number}", log=log) for number in range(4)]
    ids = [await manager.submit(request(work.name), work.handlers()) for work in works]
    await works[0].started.wait()
    await works[1].started.wait()
    await asyncio.sleep(0.05)
    assert manager.running_count == 2
    assert [work.runs for work in works] == [1, 1, 0, 0]
    assert [await _status(ledger, job_id) for job_id in ids[2:]] == [(JobState.QUEUED, None, None)] * 2
    works[1].release.set()
    await works[2].started.wait()
    for work in works:
        work.release.set()
    await manager.wait(ids)
    assert log.index("start w2") < log.index("start w3")
    assert [await _status(ledger, job_id) for job_id in ids] == [(JobState.SUCCEEDED, "success", None)] * 4


async def test_submitting_a_queued_job_again_reuses_it(ledger: Ledger) -> None:
    manager = JobManager(ledger, max_concurrent_jobs=1)
    blocker, first, again = Work("blocker"), Work("tox"), Work("tox")
    await manager.submit(request("blocker"), blocker.handlers())
    first_id = await manager.submit(request("tox"), first.handlers())
    assert await manager.submit(request("tox"), again.handlers()) == first_id
    blocker.release.set()
    again.release.set()
    await manager.wait([first_id])
    assert (first.runs, again.runs) == (0, 1)
    other_sha = await manager.submit(request("tox", head_sha="b" * 40), Work("tox", outcome=SUCCESS).handlers())
    assert other_sha != first_id


async def test_submitting_a_running_job_again_restarts_it_under_the_same_id(ledger: Ledger) -> None:
    manager = JobManager(ledger, max_concurrent_jobs=2)
    first, second = Work("tox"), Work("tox")
    job_id = await manager.submit(request("tox"), first.handlers())
    await first.started.wait()
    assert await manager.submit(request("tox"), second.handlers()) == job_id
    await second.started.wait()
    assert await _status(ledger, job_id) == (JobState.RUNNING, None, None)
    waiter = asyncio.create_task(manager.wait([job_id]))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    second.release.set()
    await waiter
    assert (first.runs, second.runs, first.cancelled_with, second.cancelled_with) == (1, 1, [], [])
    assert await _status(ledger, job_id) == (JobState.SUCCEEDED, "success", None)
    assert len(await ledger.jobs_for_pr("acme/widget", 1)) == 1


async def test_cancel_stops_running_and_queued_jobs_for_good(ledger: Ledger) -> None:
    manager = JobManager(ledger, max_concurrent_jobs=1)
    running, queued, other_pr = Work("tox"), Work("pre-commit"), Work("tox")
    running_id = await manager.submit(request("tox"), running.handlers())
    queued_id = await manager.submit(request("pre-commit"), queued.handlers())
    other_id = await manager.submit(request("tox", pr_number=2), other_pr.handlers())
    await running.started.wait()
    count = await manager.cancel_where(lambda job: job.pr_number == 1, "Cancelled: pull request closed")
    assert count == 2
    assert running.cancelled_with == ["Cancelled: pull request closed"]
    assert queued.cancelled_with == ["Cancelled: pull request closed"]
    assert queued.runs == 0
    for job_id in (running_id, queued_id):
        assert await _status(ledger, job_id) == (JobState.CANCELLED, "cancelled", "Cancelled: pull request closed")
    await other_pr.started.wait()
    other_pr.release.set()
    await manager.wait([running_id, queued_id, other_id])
    assert await _status(ledger, other_id) == (JobState.SUCCEEDED, "success", None)


async def test_a_job_cancelled_before_its_first_step_is_still_reported(ledger: Ledger) -> None:
    manager = JobManager(ledger, max_concurrent_jobs=1)
    work = Work("tox")
    job_id = await manager.submit(request("tox"), work.handlers())
    assert await manager.cancel_where(lambda job: True, "Cancelled: superseded by bbbbbbb") == 1
    assert (work.runs, work.cancelled_with) == (0, ["Cancelled: superseded by bbbbbbb"])
    assert (await _status(ledger, job_id))[0] is JobState.CANCELLED
    assert manager.active_jobs() == []


async def test_a_job_that_raises_is_failed_and_the_next_one_starts(ledger: Ledger) -> None:
    manager = JobManager(ledger, max_concurrent_jobs=1)
    broken, after = Work("broken", error=RuntimeError("exploded")), Work("after")
    broken.release.set()
    after.release.set()
    ids = [
        await manager.submit(request("broken"), broken.handlers()),
        await manager.submit(request("after"), after.handlers()),
    ]
    await manager.wait(ids)
    assert await _status(ledger, ids[0]) == (JobState.FAILED, "failed", "RuntimeError: exploded")
    assert await _status(ledger, ids[1]) == (JobState.SUCCEEDED, "success", None)


async def test_stop_leaves_running_jobs_running_and_queued_jobs_queued(ledger: Ledger) -> None:
    manager = JobManager(ledger, max_concurrent_jobs=1)
    running, queued = Work("tox"), Work("pre-commit")
    running_id = await manager.submit(request("tox"), running.handlers())
    queued_id = await manager.submit(request("pre-commit"), queued.handlers())
    await running.started.wait()
    await manager.stop()
    assert await _status(ledger, running_id) == (JobState.RUNNING, None, None)
    assert await _status(ledger, queued_id) == (JobState.QUEUED, None, None)
    assert running.cancelled_with == []
    resumed = await ledger.resumable_jobs()
    assert [(job.job_id, job.attempts) for job in resumed] == [(running_id, 1), (queued_id, 0)]


async def test_adopted_jobs_run_and_wait_on_unknown_ids_returns(ledger: Ledger) -> None:
    manager = JobManager(ledger, max_concurrent_jobs=1)
    job_id = await ledger.add_job(
        kind="check", repository="acme/widget", pr_number=1, head_sha="c" * 40, name="tox", spec={}, delivery_id=None
    )
    job = await ledger.job(job_id)
    assert job is not None
    work = Work("tox")
    work.release.set()
    manager.adopt(job, work.handlers())
    await manager.wait([job_id, 999])
    assert work.runs == 1
    assert await _status(ledger, job_id) == (JobState.SUCCEEDED, "success", None)
