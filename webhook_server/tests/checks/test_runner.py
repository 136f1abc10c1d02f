"""The subprocess runner: real processes, their groups, timeouts, cancellation, environment and logs."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path

import pytest

from webhook_server.libs.process.runner import (
    BoundedCapture,
    _CaptureProtocol,
    _drain,
    command_environment,
    cut_for_log,
    run_command,
)
from webhook_server.utils.masking import SECRETS


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in {"Z", "X"}


def _alive(pid: int) -> bool:
    """Whether `pid` still runs a second after its group was killed (signals are delivered asynchronously)."""
    deadline = time.monotonic() + 1.0
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return _running(pid)


def _content(path: Path) -> str:
    return path.read_text().strip() if path.exists() else ""


async def _wait_for_file(path: Path, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while not _content(path):
        assert time.monotonic() < deadline, f"{path} never appeared"
        await asyncio.sleep(0.02)
    return _content(path)


def _env(tmp_path: Path) -> dict[str, str]:
    return command_environment(tmp_path / "data", tmp_path)


async def test_exit_code_and_both_streams_are_captured(tmp_path: Path) -> None:
    result = await run_command(
        ["sh", "-c", "echo out; echo err >&2; exit 3"], cwd=tmp_path, env=_env(tmp_path), timeout_seconds=10
    )
    assert (result.exit_code, result.stdout, result.stderr, result.timed_out) == (3, "out\n", "err\n", False)
    assert not result.succeeded


async def test_stdin_bytes_reach_the_command(tmp_path: Path) -> None:
    result = await run_command(["cat"], cwd=tmp_path, env=_env(tmp_path), timeout_seconds=10, stdin=b"hello")
    assert result.succeeded
    assert result.stdout == "hello"


async def test_stdin_is_dev_null_by_default(tmp_path: Path) -> None:
    result = await run_command(["cat"], cwd=tmp_path, env=_env(tmp_path), timeout_seconds=10)
    assert (result.exit_code, result.stdout) == (0, "")


async def test_runs_in_its_own_process_group(tmp_path: Path) -> None:
    result = await run_command(["sh", "-c", "ps -o pgid= -p $$"], cwd=tmp_path, env=_env(tmp_path), timeout_seconds=10)
    assert int(result.stdout.strip()) != os.getpgrp()


async def test_timeout_kills_the_whole_group_and_keeps_output_so_far(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = f"sleep 60 & echo $! > {pid_file}; echo started; wait"
    result = await run_command(["sh", "-c", script], cwd=tmp_path, env=_env(tmp_path), timeout_seconds=1)
    assert result.timed_out
    assert result.exit_code is None
    assert result.stdout == "started\n"
    assert not _alive(int(pid_file.read_text()))


async def test_a_group_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    started = time.monotonic()
    result = await run_command(
        ["sh", "-c", "trap '' TERM; echo up; sleep 60"],
        cwd=tmp_path,
        env=_env(tmp_path),
        timeout_seconds=0.5,
        kill_grace_seconds=0.5,
    )
    assert result.timed_out
    assert 0.9 <= time.monotonic() - started < 10


async def test_cancellation_terminates_the_group_and_propagates(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    task = asyncio.create_task(
        run_command(
            ["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"],
            cwd=tmp_path,
            env=_env(tmp_path),
            timeout_seconds=60,
        )
    )
    child = int(await _wait_for_file(pid_file))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not _alive(child)


async def test_background_children_do_not_outlive_a_finished_command(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()
    result = await run_command(
        ["sh", "-c", f"sleep 60 & echo $! > {pid_file}; echo done"],
        cwd=tmp_path,
        env=_env(tmp_path),
        timeout_seconds=30,
    )
    assert result.succeeded
    assert time.monotonic() - started < 10
    assert not _alive(int(pid_file.read_text()))


async def test_environment_is_constructed_not_inherited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVER_ONLY_SECRET", "leaked-value")
    monkeypatch.setenv("ALLOWED_VAR", "allowed-value")
    env = command_environment(tmp_path / "data", tmp_path / "tmp", passthrough=["ALLOWED_VAR", "UNSET_VAR"])
    result = await run_command(["env"], cwd=tmp_path, env=env, timeout_seconds=10)
    seen = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert "SERVER_ONLY_SECRET" not in seen
    assert "UNSET_VAR" not in seen
    assert seen["ALLOWED_VAR"] == "allowed-value"
    assert seen["HOME"] == str(tmp_path / "data" / "check-home")
    assert seen["XDG_CACHE_HOME"] == str(tmp_path / "data" / "check-home" / ".cache")
    assert seen["UV_CACHE_DIR"] == str(tmp_path / "data" / "check-home" / ".cache" / "uv")
    assert seen["TMPDIR"] == str(tmp_path / "tmp")
    assert (seen["LANG"], seen["LC_ALL"], seen["TZ"], seen["CI"], seen["TERM"]) == (
        "C.UTF-8",
        "C.UTF-8",
        "UTC",
        "true",
        "dumb",
    )
    assert seen["PATH"] == os.environ["PATH"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("XDG_RUNTIME_DIR", "/run/user/1000"), ("UV_TOOL_DIR", "/opt/uv-tools")],
    ids=["podman-runtime-dir", "uv-installed-tools"],
)
def test_location_variables_are_passed_through_when_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert command_environment(tmp_path, tmp_path)[name] == value
    monkeypatch.delenv(name)
    assert name not in command_environment(tmp_path, tmp_path)


@pytest.mark.parametrize(
    ("chunks", "keep", "expected_text", "expected_dropped"),
    [
        ([b"abc"], 4, "abc", 0),
        ([b"abcd", b"efgh"], 4, "abcdefgh", 0),
        ([b"abcd", b"efgh", b"ij"], 4, "abcd\n... [dropped 2 bytes of output] ...\nghij", 2),
        ([b"abcdefghijkl"], 4, "abcd\n... [dropped 4 bytes of output] ...\nijkl", 4),
    ],
    ids=["fits", "exactly-head-and-tail", "drops-middle-across-chunks", "drops-middle-of-one-chunk"],
)
def test_bounded_capture_keeps_head_and_tail(
    chunks: list[bytes], keep: int, expected_text: str, expected_dropped: int
) -> None:
    capture = BoundedCapture(keep)
    for chunk in chunks:
        capture.feed(chunk)
    assert (capture.text(), capture.dropped) == (expected_text, expected_dropped)


async def test_large_output_is_bounded_in_memory(tmp_path: Path) -> None:
    result = await run_command(
        ["sh", "-c", "head -c 3145728 /dev/zero | tr '\\0' x"], cwd=tmp_path, env=_env(tmp_path), timeout_seconds=30
    )
    assert "[dropped 1048576 bytes of output]" in result.stdout
    assert result.stdout.count("x") == 2 * 1024 * 1024


@pytest.mark.parametrize(
    ("text", "expected"),
    [("short", "short"), ("x" * 500, "x" * 500), ("x" * 503, "x" * 500 + "... [truncated 3 chars]")],
    ids=["short", "exactly-500", "cut"],
)
def test_cut_for_log(text: str, expected: str) -> None:
    assert cut_for_log(text) == expected


async def test_debug_lines_are_masked_and_cut(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    SECRETS.add("registered-secret-value")
    caplog.set_level(logging.DEBUG, logger="webhook_server.libs.process.runner")
    await run_command(
        ["sh", "-c", "echo registered-secret-value extra-secret-value; head -c 900 /dev/zero | tr '\\0' y >&2"],
        cwd=tmp_path,
        env=_env(tmp_path),
        timeout_seconds=10,
        secrets=["extra-secret-value"],
    )
    messages = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("Running command: sh -c ") for message in messages)
    assert "Command stdout: ***** *****\n" in messages
    stderr_line = next(message for message in messages if message.startswith("Command stderr: "))
    assert stderr_line.endswith("... [truncated 400 chars]")
    assert not any("secret-value" in message for message in messages)


async def test_a_cancellation_as_the_pipes_close_is_not_lost() -> None:
    """The caller is cancelled in the loop turn in which a finished command's pipes close: the cancellation
    reaches it. Python 3.11's `wait_for` returned normally here, so a superseded check job, cancelled
    between two of its commands, ran its full course while the PR's next push waited for it."""
    protocol = _CaptureProtocol(None)
    drain = asyncio.create_task(_drain(protocol))
    await asyncio.sleep(0)  # draining: waiting for the pipes
    protocol.connection_lost(None)  # the pipes close ...
    drain.cancel()  # ... as the job is cancelled
    with pytest.raises(asyncio.CancelledError):
        await drain
