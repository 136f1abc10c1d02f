"""Custom checks end to end against the fake GitHub: worktree, command, check run, masking, timeout, and the
token's absence from the mirror, the worktree, the check's environment and every process's arguments."""

from __future__ import annotations

import asyncio
import base64
import threading
from pathlib import Path

import pytest

from webhook_server.libs.github.clients import PooledClient
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.pipeline.ledger import JobState
from webhook_server.tests.checks.conftest import FULL_NAME, CheckWorld
from webhook_server.utils.masking import SECRETS


async def test_custom_check_passes_in_the_merged_worktree(world: CheckWorld) -> None:
    world.fake.push(FULL_NAME, "main", {"base-later.txt": "base moved\n"})
    config = world.config(custom_check_runs=[{"name": "lint", "command": "cat feature.txt base-later.txt"}])
    target = world.open_pr({"feature.txt": "feature\n"})
    service = world.service()
    await service.start()
    job_ids = await service.start_checks(world.repo, config, target, delivery_id="d-1")
    await service.wait_for_jobs(job_ids)
    [run] = world.runs(target.head_sha, "lint")
    assert (run["status"], run["conclusion"]) == ("completed", "success")
    assert run["output"]["title"] == "Custom Check: lint"
    assert run["output"]["summary"].startswith("Exit code 0 after ")
    assert run["output"]["text"] == "```\n\n\nfeature\nbase moved\n\n```"
    job = await world.ledger.job(job_ids[0])
    assert job is not None
    assert (job.status, job.outcome, job.kind, job.name) == (JobState.SUCCEEDED, "success", "check", "lint")
    assert list((world.data_dir / "worktrees").iterdir()) == []


async def test_failing_custom_check_reports_stderr_then_stdout(world: CheckWorld) -> None:
    command = "echo to-stdout; echo to-stderr >&2; printf '\\033[31mred\\033[0m\\n'; exit 4"
    config = world.config(custom_check_runs=[{"name": "fails", "command": command}])
    target = world.open_pr({"feature.txt": "x\n"})
    service = world.service()
    await service.wait_for_jobs(await service.start_checks(world.repo, config, target, delivery_id="d-1"))
    [run] = world.runs(target.head_sha, "fails")
    assert run["conclusion"] == "failure"
    assert run["output"]["summary"].startswith("Exit code 4 after ")
    assert run["output"]["text"] == "```\nto-stderr\n\n\nto-stdout\nred\n\n```"
    job = await world.ledger.job(1)
    assert job is not None
    assert (job.status, job.outcome) == (JobState.FAILED, "failure")


async def test_worktree_path_placeholder_is_substituted(world: CheckWorld) -> None:
    config = world.config(
        custom_check_runs=[{"name": "where", "command": "sh -c 'cd / && cat {worktree_path}/feature.txt'"}]
    )
    target = world.open_pr({"feature.txt": "found me\n"})
    service = world.service()
    await service.wait_for_jobs(await service.start_checks(world.repo, config, target, delivery_id="d-1"))
    [run] = world.runs(target.head_sha, "where")
    assert run["conclusion"] == "success"
    assert "found me" in run["output"]["text"]


async def test_known_secrets_printed_by_a_check_are_masked(world: CheckWorld) -> None:
    SECRETS.add("registered-pypi-token-value")
    config = world.config(
        custom_check_runs=[{"name": "leaky", "command": f"echo {world.token}; echo registered-pypi-token-value >&2"}]
    )
    target = world.open_pr({"feature.txt": "x\n"})
    service = world.service()
    await service.wait_for_jobs(await service.start_checks(world.repo, config, target, delivery_id="d-1"))
    [run] = world.runs(target.head_sha, "leaky")
    assert run["output"]["text"] == "```\n*****\n\n\n*****\n\n```"


async def test_a_check_over_its_timeout_is_killed_and_timed_out(world: CheckWorld, tmp_path: Path) -> None:
    marker = tmp_path / "after-sleep"
    config = world.config(
        custom_check_runs=[{"name": "slow", "command": f"echo partial; sleep 30; touch {marker}", "timeout-minutes": 1}]
    )
    target = world.open_pr({"feature.txt": "x\n"})
    service = world.service(seconds_per_minute=1.0)
    await service.wait_for_jobs(await service.start_checks(world.repo, config, target, delivery_id="d-1"))
    [run] = world.runs(target.head_sha, "slow")
    assert run["conclusion"] == "timed_out"
    assert run["output"]["summary"] == "Timed out after 1 minutes"
    assert "partial" in run["output"]["text"]
    assert not marker.exists()
    job = await world.ledger.job(1)
    assert job is not None
    assert (job.status, job.outcome) == (JobState.FAILED, "timed_out")


async def test_a_merge_conflict_fails_the_check_with_gits_output(world: CheckWorld) -> None:
    config = world.config(custom_check_runs=[{"name": "lint", "command": "true"}])
    target = world.open_pr({"README.md": "pr version\n"})
    world.fake.push(FULL_NAME, "main", {"README.md": "base version\n"})
    service = world.service()
    await service.wait_for_jobs(await service.start_checks(world.repo, config, target, delivery_id="d-1"))
    [run] = world.runs(target.head_sha, "lint")
    assert run["conclusion"] == "failure"
    assert run["output"]["summary"] == "Failed to prepare worktree"
    assert "CONFLICT" in run["output"]["text"]
    assert list((world.data_dir / "worktrees").iterdir()) == []


async def test_a_check_that_is_no_longer_configured_fails_without_running(world: CheckWorld) -> None:
    config = world.config()
    target = world.open_pr({"feature.txt": "x\n"})
    service = world.service()
    await service.wait_for_jobs(await service.start_checks(world.repo, config, target, ["gone"], delivery_id="d-1"))
    [run] = world.runs(target.head_sha, "gone")
    assert (run["conclusion"], run["output"]["summary"]) == ("failure", "Check cannot run")
    assert "not configured" in run["output"]["text"]


def _exists(path: Path) -> bool:
    return path.exists()


async def _wait_for(path: Path) -> None:
    for _ in range(2000):
        if _exists(path):
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"{path} never appeared")


def _files_containing(root: Path, needles: list[bytes]) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            content = path.read_bytes()
            if any(needle in content for needle in needles):
                found.append(path)
    return found


class _CmdlineWatcher:
    """Samples every process's argument vector until stopped, remembering any that holds a needle."""

    def __init__(self, needles: list[bytes]) -> None:
        self.needles = needles
        self.hits: list[bytes] = []
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _CmdlineWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.is_set():
            for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    content = cmdline.read_bytes()
                except OSError:
                    continue
                if any(needle in content for needle in self.needles):
                    self.hits.append(content)
            self.samples += 1
            self._stop.wait(0.002)


async def test_the_token_never_reaches_mirror_worktree_environment_or_argv(world: CheckWorld, tmp_path: Path) -> None:
    env_dump = world.exchange / "check-env.txt"
    found = world.exchange / "found.txt"
    needle_file = world.exchange / "needle.txt"
    needle_file.write_text(world.token)
    needles = [world.token.encode(), base64.b64encode(f"x-access-token:{world.token}".encode())]
    command = f"env > {env_dump}; grep -rlF -f {needle_file} {{worktree_path}} > {found}; sleep 1"
    config = world.config(custom_check_runs=[{"name": "probe", "command": command}])
    target = world.open_pr({"feature.txt": "x\n"})
    service = world.service()
    with _CmdlineWatcher(needles) as watcher:
        job_ids = await service.start_checks(world.repo, config, target, delivery_id="d-1")
        await _wait_for(env_dump)
        in_mirror = _files_containing(world.data_dir / "git-mirrors", needles)
        in_worktrees = _files_containing(world.data_dir / "worktrees", needles)
        await service.wait_for_jobs(job_ids)
    [run] = world.runs(target.head_sha, "probe")
    assert run["conclusion"] == "success"
    assert watcher.samples > 10
    assert watcher.hits == []
    assert in_mirror == []
    assert in_worktrees == []
    assert found.read_text() == ""
    check_env = env_dump.read_text()
    assert world.token not in check_env
    assert "GIT_CONFIG" not in check_env
    assert "extraHeader" not in check_env
    git_config = (world.data_dir / "git-mirrors" / "acme" / "widget.git" / "config").read_text()
    assert "extraHeader" not in git_config
    assert world.token not in git_config


async def test_check_command_environment_is_scrubbed_with_passthrough(
    world: CheckWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVER_SIDE_SECRET", "must-not-leak")
    monkeypatch.setenv("CHECK_WANTS_THIS", "passed-through")
    env_dump = world.exchange / "env.txt"
    config = world.config(
        custom_check_runs=[{"name": "env", "command": f"env > {env_dump}"}],
        check_environment_passthrough=["CHECK_WANTS_THIS"],
    )
    target = world.open_pr({"feature.txt": "x\n"})
    service = world.service()
    await service.wait_for_jobs(await service.start_checks(world.repo, config, target, delivery_id="d-1"))
    seen = dict(line.split("=", 1) for line in env_dump.read_text().splitlines() if "=" in line)
    assert "SERVER_SIDE_SECRET" not in seen
    assert seen["CHECK_WANTS_THIS"] == "passed-through"
    assert seen["HOME"] == "/home/sandbox"  # the sandbox's private HOME
    assert seen["CI"] == "true"
    assert seen["TMPDIR"] == "/tmp"  # the sandbox's private tmpfs


async def test_an_unexpected_error_completes_the_check_as_failure(world: CheckWorld) -> None:
    no_usable_token = PooledClient(world.fake.base_url, ("ghp_never_probed_token_value",))
    repo = RepositoryContext(entry=world.repo.entry, pooled=no_usable_token, app=world.repo.app)
    config = world.config(custom_check_runs=[{"name": "lint", "command": "true"}])
    target = world.open_pr({"feature.txt": "x\n"})
    service = world.service()
    await service.wait_for_jobs(await service.start_checks(repo, config, target, delivery_id="d-1"))
    [run] = world.runs(target.head_sha, "lint")
    assert (run["conclusion"], run["output"]["summary"]) == ("failure", "Unexpected error")
    assert "NoApiTokenError" in run["output"]["text"]
    job = await world.ledger.job(1)
    assert job is not None
    assert (job.status, job.outcome) == (JobState.FAILED, "failure")


async def test_each_repository_has_its_own_tool_cache_in_the_sandbox(world: CheckWorld) -> None:
    config = world.config(custom_check_runs=[{"name": "cache", "command": "echo cached > $HOME/.cache/marker"}])
    target = world.open_pr({"feature.txt": "x\n"})
    service = world.service()
    await service.wait_for_jobs(await service.start_checks(world.repo, config, target, delivery_id="d-1"))
    [run] = world.runs(target.head_sha, "cache")
    assert run["conclusion"] == "success"
    cache = world.data_dir / "check-home" / "sandbox-cache"
    assert [path.relative_to(cache).as_posix() for path in cache.rglob("marker")] == ["acme/widget/marker"]
