"""`CheckService` against the fake GitHub: supersession by a push, closed PRs, retest, resume, the cap,
check runs updated in place, and the job's step on the delivery context."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from webhook_server.libs.checks import CheckService
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.pipeline.ledger import JobState
from webhook_server.tests.checks.conftest import CheckWorld
from webhook_server.utils.context import DeliveryContext, bind_context


def _pids_of(pid_file: Path) -> list[int]:
    """The PIDs the checks recorded (PIDs inside their sandboxes: one line per start)."""
    return [int(line) for line in pid_file.read_text().split()] if pid_file.exists() else []


def _host_pids(marker: Path) -> list[int]:
    """Host PIDs of the processes whose command line names `marker` (the sandbox, its shells, its children)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if str(marker).encode() in cmdline:
                pids.append(int(entry.name))
    return pids


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in {"Z", "X"}


async def _all_gone(pids: list[int]) -> bool:
    """Whether every process has ended within 5 s (the kernel ends a sandbox's processes as its init dies)."""
    for _ in range(500):
        if not any(_running(pid) for pid in pids):
            return True
        await asyncio.sleep(0.01)
    return False


async def _wait_for_pids(pid_file: Path, count: int) -> list[int]:
    for _ in range(1000):
        pids = _pids_of(pid_file)
        if len(pids) >= count:
            return pids
        await asyncio.sleep(0.01)
    pytest.fail(f"{count} processes never started")


def _sleeper(pid_file: Path, seconds: int = 30) -> str:
    """A check that records its shell's PID, then sleeps."""
    return f"sh -c 'echo $$ >> {pid_file}; sleep {seconds}'"


async def test_a_new_push_cancels_the_superseded_runs(world: CheckWorld, tmp_path: Path) -> None:
    pid_file = world.exchange / "pids"
    config = world.config(custom_check_runs=[{"name": "slow", "command": _sleeper(pid_file)}])
    old = world.open_pr({"feature.txt": "1\n"})
    service = world.service()
    old_jobs = await service.start_checks(world.repo, config, old, delivery_id="d-1")
    await _wait_for_pids(pid_file, 1)
    host_pids = _host_pids(pid_file)
    new = world.push(old.number, {"feature.txt": "2\n"})
    assert await service.cancel_superseded("acme/widget", old.number, new.head_sha) == 1
    assert host_pids
    assert await _all_gone(host_pids)
    [run] = world.runs(old.head_sha, "slow")
    assert (run["status"], run["conclusion"]) == ("completed", "cancelled")
    assert run["output"]["summary"] == f"Cancelled: superseded by {new.head_sha[:7]}"
    job = await world.ledger.job(old_jobs[0])
    assert job is not None
    assert (job.status, job.outcome) == (JobState.CANCELLED, "cancelled")
    assert list((world.data_dir / "worktrees").iterdir()) == []
    assert await service.cancel_superseded("acme/widget", old.number, new.head_sha) == 0


async def test_closing_the_pr_cancels_queued_and_running_checks(world: CheckWorld) -> None:
    pid_file = world.exchange / "pids"
    config = world.config(
        custom_check_runs=[
            {"name": "first", "command": _sleeper(pid_file)},
            {"name": "second", "command": _sleeper(pid_file)},
        ]
    )
    target = world.open_pr({"feature.txt": "1\n"})
    service = world.service(max_concurrent_jobs=1)
    job_ids = await service.start_checks(world.repo, config, target, delivery_id="d-1")
    await _wait_for_pids(pid_file, 1)
    [second_run] = world.runs(target.head_sha, "second")
    assert (second_run["status"], second_run["output"]["summary"]) == ("queued", "Queued")
    assert await service.cancel_pr("acme/widget", target.number) == 2
    await service.wait_for_jobs(job_ids)
    for name in ("first", "second"):
        [run] = world.runs(target.head_sha, name)
        assert (run["conclusion"], run["output"]["summary"]) == ("cancelled", "Cancelled: pull request closed")
    assert len(_pids_of(pid_file)) == 1


async def test_retest_of_a_running_check_restarts_it_on_the_same_run(world: CheckWorld) -> None:
    pid_file = world.exchange / "pids"
    gate = world.exchange / "gate"
    command = f"sh -c 'echo $$ >> {pid_file}; while [ ! -e {gate} ]; do sleep 0.05; done'"
    config = world.config(custom_check_runs=[{"name": "gated", "command": command}])
    target = world.open_pr({"feature.txt": "1\n"})
    service = world.service()
    [job_id] = await service.start_checks(world.repo, config, target, delivery_id="d-1")
    await _wait_for_pids(pid_file, 1)
    first_run = _host_pids(pid_file)
    assert await service.start_checks(world.repo, config, target, ["gated"], delivery_id="d-2") == [job_id]
    pids = await _wait_for_pids(pid_file, 2)
    assert first_run
    assert await _all_gone(first_run)
    gate.touch()
    await service.wait_for_jobs([job_id])
    [run] = world.runs(target.head_sha, "gated")
    assert run["conclusion"] == "success"
    assert len(pids) == 2
    job = await world.ledger.job(job_id)
    assert job is not None
    assert job.status is JobState.SUCCEEDED


async def test_retest_after_completion_updates_the_same_check_run(world: CheckWorld) -> None:
    config = world.config(custom_check_runs=[{"name": "quick", "command": "true"}])
    target = world.open_pr({"feature.txt": "1\n"})
    service = world.service()
    first = await service.start_checks(world.repo, config, target, delivery_id="d-1")
    await service.wait_for_jobs(first)
    second = await service.start_checks(world.repo, config, target, ["quick"], delivery_id="d-2")
    await service.wait_for_jobs(second)
    assert first != second
    [run] = world.runs(target.head_sha, "quick")
    assert run["conclusion"] == "success"


async def test_jobs_interrupted_by_shutdown_resume_at_the_next_start(world: CheckWorld) -> None:
    pid_file = world.exchange / "pids"
    gate = world.exchange / "gate"
    command = f"sh -c 'echo $$ >> {pid_file}; while [ ! -e {gate} ]; do sleep 0.05; done; echo resumed-run'"
    config = world.config(custom_check_runs=[{"name": "long", "command": command}])
    target = world.open_pr({"feature.txt": "1\n"})
    first_service = world.service()
    [job_id] = await first_service.start_checks(world.repo, config, target, delivery_id="d-1")
    await _wait_for_pids(pid_file, 1)
    first_run = _host_pids(pid_file)
    await first_service.stop()
    assert first_run
    assert await _all_gone(first_run)
    job = await world.ledger.job(job_id)
    assert job is not None
    assert job.status is JobState.RUNNING
    [run] = world.runs(target.head_sha, "long")
    assert run["status"] == "in_progress"

    async def resolve(full_name: str) -> tuple[RepositoryContext, RepositoryConfig] | None:
        return (world.repo, config) if full_name == "acme/widget" else None

    second_service = world.service(resolve_repository=resolve)
    gate.touch()
    await second_service.start()
    await second_service.wait_for_jobs([job_id])
    [run] = world.runs(target.head_sha, "long")
    assert run["conclusion"] == "success"
    assert "resumed-run" in run["output"]["text"]
    job = await world.ledger.job(job_id)
    assert job is not None
    assert (job.status, job.attempts) == (JobState.SUCCEEDED, 1)


async def test_resume_without_the_repository_fails_the_job(world: CheckWorld) -> None:
    target = world.open_pr({"feature.txt": "1\n"})
    job_id = await world.ledger.add_job(
        kind="check",
        repository="acme/removed",
        pr_number=target.number,
        head_sha=target.head_sha,
        name="tox",
        spec=target.to_spec(),
        delivery_id=None,
    )
    await world.ledger.add_job(
        kind="cherry-pick", repository="acme/widget", pr_number=1, head_sha=None, name="x", spec={}, delivery_id=None
    )
    await world.service().start()
    job = await world.ledger.job(job_id)
    assert job is not None
    assert (job.status, job.error) == (JobState.FAILED, "repository not available")


async def test_startup_removes_leftover_worktrees(world: CheckWorld) -> None:
    leftover = world.data_dir / "worktrees" / "widget-left-over"
    leftover.mkdir(parents=True)
    (leftover / "file").write_text("x")
    service = world.service()
    await service.start()
    assert list((world.data_dir / "worktrees").iterdir()) == []
    assert (world.data_dir / "check-home").is_dir()


async def test_queue_checks_sets_every_enabled_check_queued_once(world: CheckWorld) -> None:
    config = world.config(
        pre_commit=True,
        tox={"main": "py"},
        custom_check_runs=[{"name": "custom-a", "command": "true"}],
    )
    service: CheckService = world.service(max_concurrent_jobs=1)
    assert service.enabled_command_checks(config) == ["tox", "pre-commit", "custom-a"]
    target = world.open_pr({"feature.txt": "1\n"})
    await service.queue_checks(world.repo, config, target)
    for name in ("tox", "pre-commit", "custom-a"):
        [run] = world.runs(target.head_sha, name)
        assert (run["status"], run["output"]["summary"]) == ("queued", "Queued")
    world.fake.clear_request_log()
    await service.stop()
    await service.start_checks(world.repo, config, target, ["custom-a"], delivery_id="d-1")
    assert world.fake.calls("PATCH", "/repos/acme/widget/check-runs") == []


async def test_the_job_records_its_step_on_the_delivery_context(world: CheckWorld) -> None:
    config = world.config(custom_check_runs=[{"name": "lint", "command": "true"}])
    target = world.open_pr({"feature.txt": "1\n"})
    service = world.service()
    ctx = DeliveryContext(
        hook_id="hook-1", event_type="pull_request", repository="widget", repository_full_name="acme/widget"
    )
    with bind_context(ctx):
        job_ids = await service.start_checks(world.repo, config, target, delivery_id="hook-1")
    await service.wait_for_jobs(job_ids)
    step = ctx.workflow_steps["job:check:lint"]
    assert (step["status"], step["conclusion"], step["error"]) == ("completed", "success", None)


async def test_a_failed_check_run_write_fails_the_step_but_not_the_job(
    world: CheckWorld, caplog: pytest.LogCaptureFixture
) -> None:
    config = world.config(custom_check_runs=[{"name": "lint", "command": "true"}])
    target = world.open_pr({"feature.txt": "1\n"})
    service = world.service()
    ctx = DeliveryContext(
        hook_id="hook-2", event_type="pull_request", repository="widget", repository_full_name="acme/widget"
    )
    world.fake.fail_next(5, 502, "/repos/acme/widget/check-runs", method="PATCH")
    with bind_context(ctx):
        job_ids = await service.start_checks(world.repo, config, target, delivery_id="hook-2")
    await service.wait_for_jobs(job_ids)
    step = ctx.workflow_steps["job:check:lint"]
    assert (step["status"], step["conclusion"]) == ("failed", "success")
    assert "Could not write check run lint (in_progress)" in caplog.text
    job = await world.ledger.job(job_ids[0])
    assert job is not None
    assert job.status is JobState.SUCCEEDED
    [run] = world.runs(target.head_sha, "lint")
    assert run["conclusion"] == "success"
