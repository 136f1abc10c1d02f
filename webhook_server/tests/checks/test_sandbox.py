"""The bubblewrap sandbox with real bwrap processes: what the probe reports, who the command runs as, what it
sees, its limits, and that a timeout ends every process inside."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from webhook_server.libs.process.runner import CommandResult, run_command
from webhook_server.libs.process.sandbox import (
    Sandbox,
    SandboxMounts,
    SandboxSettings,
    SandboxStatus,
    describe_mode,
    git_metadata,
)

ENV = {"PATH": os.defpath}


@pytest.fixture
def mounts(tmp_path: Path) -> SandboxMounts:
    worktree, cache = tmp_path / "wt", tmp_path / "cache"
    worktree.mkdir()
    cache.mkdir()
    return SandboxMounts(worktree=worktree, cache_dir=cache)


async def sandboxed(
    sandbox: Sandbox, mounts: SandboxMounts, script: str, *, network: bool = False, timeout: float = 30
) -> CommandResult:
    if sandbox.status is None:
        await sandbox.probe()
    sandbox.hand_over(mounts)
    async with sandbox.launch(("/bin/sh", "-c", script), mounts, network=network, env=ENV) as launch:
        return await run_command(
            launch.argv,
            cwd=mounts.worktree,
            env=launch.env,
            timeout_seconds=timeout,
            kill_grace_seconds=1,
            pass_fds=launch.pass_fds,
            on_started=launch.on_started,
        )


async def test_the_probe_reports_a_working_sandbox() -> None:
    status = await Sandbox().probe()
    assert status.available
    assert status.mode == "sandboxed"
    assert "PR-code checks run sandboxed with bwrap" in describe_mode(status, SandboxSettings())


@pytest.mark.parametrize(
    ("bwrap", "reason"),
    [
        pytest.param("/nonexistent/bwrap", "cannot start /nonexistent/bwrap", id="missing"),
        pytest.param("/bin/false", "/bin/false failed (exit 1)", id="failing"),
    ],
)
async def test_the_probe_reports_why_the_sandbox_is_unavailable(bwrap: str, reason: str) -> None:
    sandbox = Sandbox(SandboxSettings(bwrap_path=bwrap))
    status = await sandbox.probe()
    assert (status.available, status.mode) == (False, "refused")
    assert reason in status.reason
    assert "PR-code checks are refused" in describe_mode(status, sandbox.settings)


async def test_the_command_runs_unprivileged_in_its_worktree_with_a_private_home_and_tmp(
    mounts: SandboxMounts, tmp_path: Path
) -> None:
    secret = tmp_path / "server-secret.txt"
    secret.write_text("do-not-read")
    script = (
        f"id -u; pwd; echo $HOME $TMPDIR; touch written; cat {secret} || echo no-secret; "
        "ls /proc | grep -c '^[0-9]'; grep CapEff /proc/self/status; "
        "grep 'Max processes' /proc/self/limits | tr -s ' ' | cut -d' ' -f3; hostname"
    )
    result = await sandboxed(Sandbox(), mounts, script)
    lines = result.stdout.split()
    assert lines[0] == "65534"
    assert lines[1] == str(mounts.worktree)
    assert lines[2:4] == ["/home/sandbox", "/tmp"]
    assert (mounts.worktree / "written").exists()
    assert "no-secret" in result.stdout
    assert "do-not-read" not in result.stdout
    assert int(lines[5]) < 10  # a private /proc: only the sandbox's own processes
    assert "CapEff:\t0000000000000000" in result.stdout
    assert lines[-2:] == ["1024", "sandbox"]


async def test_a_timeout_ends_every_process_in_the_sandbox(mounts: SandboxMounts) -> None:
    marker = f"60{os.getpid() % 1000}.4711"  # a sleep duration no other process uses
    script = f"sleep {marker} & sh -c 'sleep {marker}' & wait"
    result = await sandboxed(Sandbox(), mounts, script, timeout=2)
    assert result.timed_out
    for _ in range(200):
        if not _processes_named(marker):
            break
        await asyncio.sleep(0.02)
    assert _processes_named(marker) == []


def _processes_named(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


@pytest.mark.parametrize("network", [pytest.param(False, id="no-network"), pytest.param(True, id="slirp4netns")])
async def test_the_hosts_loopback_is_unreachable(mounts: SandboxMounts, network: bool) -> None:
    server = await asyncio.start_server(lambda reader, writer: writer.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sandbox = Sandbox()
    status = await sandbox.probe()
    assert status.isolated_network  # slirp4netns is installed (.ci/run)
    script = (
        f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 2)\" && echo reached; "
        f"python3 -c \"import socket; socket.create_connection(('10.0.2.2', {port}), 2)\" && echo reached; "
        "grep -c tap0 /proc/net/dev || true"
    )
    async with server:
        result = await sandboxed(sandbox, mounts, script, network=network)
    assert "reached" not in result.stdout
    assert result.stdout.split()[-1] == ("1" if network else "0")


def test_git_metadata_of_a_worktree_and_of_a_plain_directory(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror.git"
    admin = mirror / "worktrees" / "wt"
    admin.mkdir(parents=True)
    (admin / "commondir").write_text("../..\n")
    worktree = tmp_path / "wt"
    worktree.mkdir()
    (worktree / ".git").write_text(f"gitdir: {admin}\n")
    assert git_metadata(worktree) == (admin, mirror)
    assert git_metadata(tmp_path) == (None, None)


def test_the_unsafe_mode_is_named_in_the_startup_line() -> None:
    status = SandboxStatus(available=False, reason="no bwrap", unsafe_allowed=True)
    assert status.mode == "unsandboxed (unsafe)"
    assert "WITHOUT a sandbox" in describe_mode(status, SandboxSettings())
