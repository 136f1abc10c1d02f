"""Job managers of two replicas on one PostgreSQL ledger: the same PR job is never run twice at once, and a
restart or cancellation asked on one replica is carried out by the replica holding the job."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from webhook_server.libs.pipeline.jobs import JobManager
from webhook_server.libs.pipeline.ledger import JobState, Ledger
from webhook_server.tests.checks.test_jobs import Work, request


@pytest.fixture
async def replicas(postgres_url: str) -> AsyncIterator[tuple[Ledger, Ledger]]:
    first, second = await Ledger.open_shared(postgres_url), await Ledger.open_shared(postgres_url)
    yield first, second
    await first.close()
    await second.close()


async def _status(ledger: Ledger, job_id: int) -> tuple[JobState, str | None]:
    job = await ledger.job(job_id)
    assert job is not None
    return job.status, job.error


async def test_the_same_job_asked_on_another_replica_restarts_where_it_runs(replicas: tuple[Ledger, Ledger]) -> None:
    holder_ledger, other_ledger = replicas
    holder, other = JobManager(holder_ledger, 2), JobManager(other_ledger, 2)
    running, asked_elsewhere = Work("tox"), Work("tox")
    job_id = await holder.submit(request("tox"), running.handlers())
    await running.started.wait()

    reused = await other.submit(request("tox"), asked_elsewhere.handlers())
    applied_by_other = await other.apply_requests()
    running.started.clear()
    applied_by_holder = await holder.apply_requests()
    await running.started.wait()
    running.release.set()
    await holder.wait([job_id])

    assert reused == job_id
    assert (applied_by_other, applied_by_holder) == (0, 1)
    assert (running.runs, asked_elsewhere.runs) == (2, 0)  # restarted where it ran, never run twice at once
    assert await _status(holder_ledger, job_id) == (JobState.SUCCEEDED, None)
    other_sha = await other.submit(request("tox", head_sha="b" * 40), Work("tox").handlers())
    assert other_sha != job_id  # another head SHA is another job


async def test_a_push_seen_on_another_replica_cancels_the_superseded_job_where_it_runs(
    replicas: tuple[Ledger, Ledger],
) -> None:
    holder_ledger, other_ledger = replicas
    holder = JobManager(holder_ledger, 2)
    old_head = Work("tox")
    job_id = await holder.submit(request("tox", head_sha="a" * 40), old_head.handlers())
    await old_head.started.wait()

    asked = await other_ledger.request_cancel_elsewhere("acme/widget", 1, "Superseded by bbbbbbb", keep_sha="b" * 40)
    kept = await other_ledger.request_cancel_elsewhere("acme/widget", 1, "not this one", keep_sha="a" * 40)
    applied = await holder.apply_requests()

    assert (asked, kept) == (1, 0)
    assert applied == 1
    assert old_head.cancelled_with == ["Superseded by bbbbbbb"]
    assert await _status(holder_ledger, job_id) == (JobState.CANCELLED, "Superseded by bbbbbbb")
    assert await holder.apply_requests() == 0  # a request is carried out once


async def test_a_replica_never_asks_itself(replicas: tuple[Ledger, Ledger]) -> None:
    holder_ledger, _ = replicas
    holder = JobManager(holder_ledger, 2)
    work = Work("tox")
    job_id = await holder.submit(request("tox"), work.handlers())
    await work.started.wait()

    assert await holder_ledger.request_cancel_elsewhere("acme/widget", 1, "closed") == 0
    assert (
        await holder_ledger.job_held_elsewhere(
            kind="check", repository="acme/widget", pr_number=1, head_sha="a" * 40, name="tox"
        )
        is None
    )
    work.release.set()
    await asyncio.wait_for(holder.wait([job_id]), 5)
