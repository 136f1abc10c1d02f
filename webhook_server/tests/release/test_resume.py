"""Resuming release jobs after a restart (`checks.md` §6.4, `release.md` §1.2): a cherry-pick job found
unfinished in the ledger runs again idempotently — continuing at opening the PR when its branch was already
pushed — while other release jobs are ended as `failed`. Runs a release service on its own ledger and job
manager against the fake GitHub (no server), like a process that just started."""

from __future__ import annotations

import json
from typing import Any

from webhook_server.libs.checks.check_runs import CheckRuns
from webhook_server.libs.git.mirror import GitMirrors
from webhook_server.libs.pipeline.jobs import JobManager
from webhook_server.libs.pipeline.ledger import Job, JobState
from webhook_server.libs.pr.labels import RepositoryLabelCache
from webhook_server.libs.release.cherry_pick_record import PUSHING, CherryPickRecord, write_record
from webhook_server.libs.release.cherry_pick_task import CHERRY_PICK_JOB_KIND, CherryPickTask
from webhook_server.libs.release.resume import INTERRUPTED_ERROR, resume_release_job
from webhook_server.libs.release.service import ReleaseService
from webhook_server.libs.release.tools import ReleaseTools
from webhook_server.tests.checks.conftest import API_USER, FULL_NAME, CheckWorld, fast_github_retries, world

__all__ = ["fast_github_retries", "world"]


def _service(world: CheckWorld) -> ReleaseService:
    return ReleaseService(
        data_dir=world.data_dir,
        ledger=world.ledger,
        jobs=JobManager(world.ledger, 2),
        check_runs=CheckRuns(world.ledger),
        mirrors=GitMirrors(world.data_dir, world.fake.base_url),
        label_cache=RepositoryLabelCache(),
        tools=ReleaseTools(),
    )


def _merged_task(world: CheckWorld) -> CherryPickTask:
    world.fake.create_branch(FULL_NAME, "release-1")
    number = world.fake.open_pr(FULL_NAME, head="fix", base="main", files={"fix.txt": "fixed\n"}, author=API_USER)
    head = world.fake.pull(FULL_NAME, number)
    merge_sha = world.fake.merge(FULL_NAME, number, method="squash")
    return CherryPickTask(
        number=number,
        title="fix: resumed",
        author=API_USER,
        html_url=head["html_url"],
        head_ref=head["head"]["ref"],
        head_sha=head["head"]["sha"],
        source_branch="main",
        merge_commit_sha=merge_sha,
        target="release-1",
    )


async def _interrupted_job(world: CheckWorld, kind: str, task: CherryPickTask) -> Job:
    job_id = await world.ledger.add_job(
        kind=kind,
        repository=FULL_NAME,
        pr_number=task.number,
        head_sha=task.head_sha,
        name=task.target,
        spec=task.to_spec(),
        delivery_id="before-restart",
    )
    await world.ledger.mark_job_running(job_id)
    job = await world.ledger.job(job_id)
    assert job is not None
    return job


def _bot_pulls(world: CheckWorld) -> list[dict[str, Any]]:
    return [pull for pull in world.fake.pulls(FULL_NAME) if pull["user"]["login"] == world.fake.bot_login]


async def test_a_pushed_branch_continues_at_opening_the_pr(world: CheckWorld) -> None:
    task = _merged_task(world)
    branch = f"CherryPicked-{task.head_ref}-zZ9y8"
    world.fake.push(FULL_NAME, branch, {"fix.txt": "fixed\n"}, parent=world.fake.branch_sha(FULL_NAME, "release-1"))
    await write_record(world.ledger, FULL_NAME, task.number, CherryPickRecord("release-1", branch, PUSHING))
    service = _service(world)
    job = await _interrupted_job(world, CHERRY_PICK_JOB_KIND, task)
    assert await resume_release_job(service, job, (world.repo, world.config())) is True
    await service.jobs.wait([job.job_id])
    [pull] = _bot_pulls(world)
    assert pull["head"]["ref"] == branch
    assert (
        json.loads(await world.ledger.effect_get(f"cherry-pick:{FULL_NAME}#{task.number}:release-1") or "{}")["state"]
        == "created"
    )
    [run] = world.runs(task.head_sha, "CherryPicked")
    assert run["conclusion"] == "success"
    finished = await world.ledger.job(job.job_id)
    assert finished is not None
    assert finished.status is JobState.SUCCEEDED


async def test_a_job_interrupted_before_the_push_runs_again(world: CheckWorld) -> None:
    task = _merged_task(world)
    service = _service(world)
    job = await _interrupted_job(world, CHERRY_PICK_JOB_KIND, task)
    assert await resume_release_job(service, job, (world.repo, world.config())) is True
    await service.jobs.wait([job.job_id])
    [pull] = _bot_pulls(world)
    assert world.fake.file(FULL_NAME, "fix.txt", ref=pull["head"]["ref"]) == "fixed\n"


async def test_other_release_jobs_and_gone_repositories_are_not_resumed(world: CheckWorld) -> None:
    task = _merged_task(world)
    service = _service(world)
    rebase = await _interrupted_job(world, "rebase", task)
    orphan = await _interrupted_job(world, CHERRY_PICK_JOB_KIND, task)
    assert await resume_release_job(service, rebase, (world.repo, world.config())) is False
    assert await resume_release_job(service, orphan, None) is False
    for job in (rebase, orphan):
        ended = await world.ledger.job(job.job_id)
        assert ended is not None
        assert (ended.status, ended.error) == (JobState.FAILED, INTERRUPTED_ERROR)
    assert _bot_pulls(world) == []
