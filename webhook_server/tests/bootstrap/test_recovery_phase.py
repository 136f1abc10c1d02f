"""Stale check-run recovery against the fake GitHub: which runs are re-queued and re-run, `CherryPicked`
completion, other Apps' runs, closed PRs, jobs already in the ledger, per-PR errors, App not installed."""

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from webhook_server.tests.bootstrap.world import World, make_world
from webhook_server.tests.fake_github.api import FakeGitHub


@dataclass
class RerunRecorder:
    """Stands in for the job system: records each re-run request (and can fail for one PR)."""

    calls: list[tuple[str, int, str, str]] = field(default_factory=list)
    fail_for_pr: int | None = None

    async def __call__(self, repository: str, number: int, head_sha: str, name: str) -> None:
        if number == self.fail_for_pr:
            raise RuntimeError("the job system is unavailable")
        self.calls.append((repository, number, head_sha, name))


def open_pull(world: World, full_name: str, branch: str) -> tuple[int, str]:
    number = world.fake.open_pr(full_name, head=branch, files={f"{branch}.py": "x = 1\n"}, title=f"feat: {branch}")
    return number, world.fake.pull(full_name, number)["head"]["sha"]


def runs_by_name(fake: FakeGitHub, full_name: str, sha: str) -> dict[str, dict[str, object]]:
    return {run["name"]: run for run in fake.check_runs(full_name, sha)}


async def test_unfinished_runs_are_requeued_and_rerun(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    number, sha = open_pull(world, full_name, "feature")
    for name in ("tox", "can-be-merged", "my-custom-lint"):
        fake_github.check_run(full_name, sha, name, status="in_progress")
    fake_github.check_run(full_name, sha, "pre-commit", status="queued")
    fake_github.check_run(full_name, sha, "verified", status="queued")
    fake_github.check_run(full_name, sha, "build-container", status="completed", conclusion="success")
    recorder = RerunRecorder()
    results = await world.bootstrap(rerun_check=recorder)
    assert results[full_name].ok, results[full_name].summary_line()
    runs = runs_by_name(fake_github, full_name, sha)
    assert {name: run["status"] for name, run in runs.items()} == {
        "tox": "queued",
        "can-be-merged": "queued",
        "my-custom-lint": "queued",
        "pre-commit": "queued",
        "verified": "queued",
        "build-container": "completed",
    }
    assert sorted(recorder.calls) == sorted(
        (full_name, number, sha, name) for name in ("tox", "can-be-merged", "my-custom-lint", "pre-commit")
    )
    patched = {call.path for call in world.writes(f"/repos/{full_name}/check-runs")}
    assert len(patched) == 3  # only the three in_progress runs; queued ones are already queued


async def test_without_rerun_callback_runs_are_only_requeued(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    _, sha = open_pull(world, full_name, "feature")
    fake_github.check_run(full_name, sha, "tox", status="in_progress")
    await world.bootstrap()
    assert runs_by_name(fake_github, full_name, sha)["tox"]["status"] == "queued"


async def test_interrupted_cherry_pick_is_completed_as_failed(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    number, sha = open_pull(world, full_name, "feature")
    fake_github.create_label(full_name, "cherry-pick-release-1", "F09C74")
    fake_github.add_label(full_name, number, "cherry-pick-release-1")
    fake_github.check_run(full_name, sha, "CherryPicked", status="in_progress")
    recorder = RerunRecorder()
    await world.bootstrap(rerun_check=recorder)
    run = runs_by_name(fake_github, full_name, sha)["CherryPicked"]
    assert run["status"] == "completed"
    assert run["conclusion"] == "failure"
    output = run["output"]
    assert isinstance(output, dict)
    assert "`/cherry-pick-retry release-1`" in output["summary"]
    assert recorder.calls == []


async def test_other_apps_runs_and_closed_prs_are_left_alone(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    _, sha = open_pull(world, full_name, "feature")
    closed, closed_sha = open_pull(world, full_name, "old-work")
    foreign_id = fake_github.check_run(full_name, sha, "ci/other-app", status="in_progress")
    with fake_github.state.lock:
        run = next(item for item in fake_github.state.repo(full_name).check_runs if item.id == foreign_id)  # type: ignore[union-attr]
        run.app_id = fake_github.app_id + 1
    fake_github.check_run(full_name, closed_sha, "tox", status="in_progress")
    fake_github.close(full_name, closed)
    recorder = RerunRecorder()
    await world.bootstrap(rerun_check=recorder)
    assert runs_by_name(fake_github, full_name, sha)["ci/other-app"]["status"] == "in_progress"
    assert runs_by_name(fake_github, full_name, closed_sha)["tox"]["status"] == "in_progress"
    assert recorder.calls == []


async def test_runs_with_an_active_job_are_left_alone(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    number, sha = open_pull(world, full_name, "feature")
    fake_github.check_run(full_name, sha, "tox", status="in_progress")
    fake_github.check_run(full_name, sha, "pre-commit", status="in_progress")
    asked: list[tuple[str, int, str, str]] = []

    async def active_job(repository: str, pr: int, head_sha: str, name: str) -> bool:
        asked.append((repository, pr, head_sha, name))
        return name == "tox"

    recorder = RerunRecorder()
    await world.bootstrap(rerun_check=recorder, active_job=active_job)
    runs = runs_by_name(fake_github, full_name, sha)
    assert runs["tox"]["status"] == "in_progress"
    assert runs["pre-commit"]["status"] == "queued"
    assert recorder.calls == [(full_name, number, sha, "pre-commit")]
    assert (full_name, number, sha, "tox") in asked


async def test_one_failing_pr_does_not_stop_the_others(
    fake_github: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    first, first_sha = open_pull(world, full_name, "first")
    second, second_sha = open_pull(world, full_name, "second")
    fake_github.check_run(full_name, first_sha, "tox", status="queued")
    fake_github.check_run(full_name, second_sha, "tox", status="queued")
    recorder = RerunRecorder(fail_for_pr=first)
    with caplog.at_level(logging.WARNING):
        results = await world.bootstrap(rerun_check=recorder)
    assert results[full_name].ok
    assert recorder.calls == [(full_name, second, second_sha, "tox")]
    assert any(
        record.levelno == logging.WARNING
        and f"{full_name}#{first}: recovering check runs failed" in record.getMessage()
        for record in caplog.records
    )


async def test_app_not_installed_skips_recovery_only(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets", install=False)
    _, sha = open_pull(world, full_name, "feature")
    fake_github.check_run(full_name, sha, "tox", status="in_progress")  # left by an earlier installation
    recorder = RerunRecorder()
    results = await world.bootstrap(rerun_check=recorder)
    result = results[full_name]
    assert [failure.phase for failure in result.failures] == ["app"]
    assert "not installed" in result.failures[0].reason
    assert "recovery" in result.skipped
    assert fake_github.repo_labels(full_name), "the label phase still ran"
    assert fake_github.hooks(full_name), "the webhook phase still ran"
    assert runs_by_name(fake_github, full_name, sha)["tox"]["status"] == "in_progress"
    assert recorder.calls == []
