"""Ledger tables beside deliveries: jobs (lifecycle, resume, per-PR listing), effects and owned check runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from webhook_server.libs.pipeline.ledger import JobState, Ledger
from webhook_server.libs.pipeline.ledger.jobs import UnknownJobError


@pytest.fixture
def ledger(any_ledger: Ledger) -> Ledger:
    """These rules hold on both backends: every test runs on SQLite and on PostgreSQL."""
    return any_ledger


async def _add_job(ledger: Ledger, name: str, *, pr_number: int | None = 7, head_sha: str | None = "a" * 40) -> int:
    return await ledger.add_job(
        kind="check",
        repository="org/repo",
        pr_number=pr_number,
        head_sha=head_sha,
        name=name,
        spec={"command": ["tox"], "timeout-minutes": 30},
        delivery_id="d-1",
    )


async def test_job_lifecycle_is_recorded(ledger: Ledger) -> None:
    job_id = await _add_job(ledger, "tox")
    created = await ledger.job(job_id)
    await ledger.mark_job_running(job_id)
    running = await ledger.job(job_id)
    await ledger.mark_job_finished(job_id, JobState.SUCCEEDED, "success")
    finished = await ledger.job(job_id)

    assert created is not None
    assert running is not None
    assert finished is not None
    assert (created.kind, created.name, created.pr_number, created.head_sha) == ("check", "tox", 7, "a" * 40)
    assert created.spec == {"command": ["tox"], "timeout-minutes": 30}
    assert (created.status, created.attempts, created.delivery_id) == (JobState.QUEUED, 0, "d-1")
    assert running.status is JobState.RUNNING
    assert running.started_at is not None
    assert (finished.status, finished.outcome, finished.error) == (JobState.SUCCEEDED, "success", None)
    assert finished.completed_at is not None
    assert await ledger.job(job_id + 100) is None


async def test_job_can_go_back_to_queued_for_a_restart(ledger: Ledger) -> None:
    job_id = await _add_job(ledger, "tox")
    await ledger.mark_job_running(job_id)

    await ledger.mark_job_queued(job_id)

    job = await ledger.job(job_id)
    assert job is not None
    assert (job.status, job.started_at) == (JobState.QUEUED, None)


@pytest.mark.parametrize("state", [JobState.QUEUED, JobState.RUNNING], ids=["queued", "running"])
async def test_job_cannot_finish_in_an_unfinished_state(ledger: Ledger, state: JobState) -> None:
    job_id = await _add_job(ledger, "tox")

    with pytest.raises(ValueError, match="not a final job state"):
        await ledger.mark_job_finished(job_id, state, "success")


async def test_state_change_of_an_unknown_job_fails(ledger: Ledger) -> None:
    with pytest.raises(UnknownJobError, match="job 404"):
        await ledger.mark_job_running(404)


async def test_resumable_jobs_follow_creation_order_and_the_attempts_rule(ledger: Ledger) -> None:
    ledger.lease_seconds = 0.0  # every hold runs out at once, as when its replica died (shared ledger)
    first = await _add_job(ledger, "tox")
    crashing = await _add_job(ledger, "pre-commit")
    finished = await _add_job(ledger, "build-container")
    await ledger.mark_job_finished(finished, JobState.CANCELLED, "superseded")
    attempts_seen = []

    for _ in range(3):
        await ledger.mark_job_running(crashing)
        resumed = {job.job_id: job for job in await ledger.resumable_jobs()}
        attempts_seen.append(resumed[crashing].attempts if crashing in resumed else None)

    assert attempts_seen == [1, 2, None]
    assert [job.job_id for job in await ledger.resumable_jobs()] == [first]
    abandoned = await ledger.job(crashing)
    assert abandoned is not None
    assert (abandoned.status, abandoned.error) == (JobState.FAILED, "abandoned after 3 attempts")


async def test_jobs_for_pr_lists_one_pr_optionally_by_state(ledger: Ledger) -> None:
    tox = await _add_job(ledger, "tox")
    build = await _add_job(ledger, "build-container")
    await _add_job(ledger, "tox", pr_number=8)
    await ledger.mark_job_running(build)

    everything = await ledger.jobs_for_pr("org/repo", 7)
    running = await ledger.jobs_for_pr("org/repo", 7, statuses=[JobState.RUNNING])

    assert [job.job_id for job in everything] == [tox, build]
    assert [job.job_id for job in running] == [build]
    assert await ledger.jobs_for_pr("other/repo", 7) == []


@pytest.mark.parametrize(
    ("days_later", "expected_left"),
    [(3, {"queued", "finished"}), (8, {"queued"})],
    ids=["within-retention", "past-retention"],
)
async def test_prune_drops_finished_jobs_past_retention(
    ledger: Ledger, days_later: int, expected_left: set[str]
) -> None:
    ids = {"queued": await _add_job(ledger, "tox"), "finished": await _add_job(ledger, "build-container")}
    await ledger.mark_job_finished(ids["finished"], JobState.FAILED, "failure", "exit 1")

    await ledger.prune(retention_days=7, now=datetime.now(UTC) + timedelta(days=days_later))

    assert {name for name, job_id in ids.items() if await ledger.job(job_id) is not None} == expected_left


async def test_effects_are_recorded_and_overwritten(ledger: Ledger) -> None:
    assert await ledger.effect_get("welcome:org/repo#7") is None

    await ledger.effect_put("welcome:org/repo#7", "1001")
    await ledger.effect_put("tracking-issue:org/repo#7", "12")
    await ledger.effect_put("welcome:org/repo#7", "1002")

    assert await ledger.effect_get("welcome:org/repo#7") == "1002"
    assert await ledger.effect_get("tracking-issue:org/repo#7") == "12"


async def test_check_run_ids_are_keyed_by_repository_sha_and_name(ledger: Ledger) -> None:
    await ledger.check_run_put("org/repo", "a" * 40, "tox", 11)
    await ledger.check_run_put("org/repo", "a" * 40, "pre-commit", 12)
    await ledger.check_run_put("org/repo", "b" * 40, "tox", 13)
    await ledger.check_run_put("org/repo", "a" * 40, "tox", 21)

    assert await ledger.check_run_get("org/repo", "a" * 40, "tox") == 21
    assert await ledger.check_run_get("org/repo", "a" * 40, "pre-commit") == 12
    assert await ledger.check_run_get("org/repo", "b" * 40, "tox") == 13
    assert await ledger.check_run_get("org/other", "a" * 40, "tox") is None


@pytest.mark.parametrize(("days_later", "kept"), [(179, True), (181, False)], ids=["within-180-days", "past-180-days"])
async def test_effects_and_check_runs_are_kept_180_days(ledger: Ledger, days_later: int, kept: bool) -> None:
    await ledger.effect_put("welcome:org/repo#7", "1001")
    await ledger.check_run_put("org/repo", "a" * 40, "tox", 11)

    removed = await ledger.prune(retention_days=7, now=datetime.now(UTC) + timedelta(days=days_later))

    assert (await ledger.effect_get("welcome:org/repo#7") is not None) is kept
    assert (await ledger.check_run_get("org/repo", "a" * 40, "tox") is not None) is kept
    assert removed == (0 if kept else 2)
