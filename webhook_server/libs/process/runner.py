"""The subprocess runner: every command the server starts, in its own process group, with a timeout.

A command gets a constructed environment (`checks.md` §5.3, built by `command_environment`), stdin from
`/dev/null` (or the given bytes), bounded output capture, and DEBUG log lines of its command line and
output, masked and cut (`logging-and-viewer.md` §2.5). On timeout or cancellation the whole process group
gets SIGTERM, then SIGKILL after a grace period (`checks.md` §6.1).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from webhook_server.utils.masking import mask_secret_values

LOGGER = logging.getLogger(__name__)

KILL_GRACE_SECONDS = 10.0
CAPTURE_KEEP_BYTES = 1024 * 1024
LOG_CUT_CHARS = 500
PIPE_DRAIN_SECONDS = 5.0
CHECK_HOME_DIR_NAME = "check-home"
# Passed through when set: rootless podman's runtime dir, and where uv keeps installed tools (the container
# image pins tox, prek and twine there, and `uvx <tool>` uses the installed one).
PASSED_THROUGH_WHEN_SET = ("XDG_RUNTIME_DIR", "UV_TOOL_DIR")


@dataclass(frozen=True)
class CommandResult:
    """What a finished command left: exit code (None when killed), captured output, duration, timeout."""

    argv: tuple[str, ...]
    exit_code: int | None
    stdout: str
    stderr: str
    duration_seconds: float
    timed_out: bool = False

    @property
    def succeeded(self) -> bool:
        """Exit code 0 within the timeout."""
        return self.exit_code == 0 and not self.timed_out


class BoundedCapture:
    """One output stream kept in memory as its first and last `keep` bytes, counting what was dropped."""

    def __init__(self, keep: int = CAPTURE_KEEP_BYTES) -> None:
        self._keep = keep
        self._head = bytearray()
        self._tail = bytearray()
        self.dropped = 0

    def feed(self, chunk: bytes) -> None:
        """Add the next bytes of the stream."""
        room = self._keep - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        self._tail += chunk
        overflow = len(self._tail) - self._keep
        if overflow > 0:
            del self._tail[:overflow]
            self.dropped += overflow

    def text(self) -> str:
        """The kept bytes as text, with a marker line where bytes were dropped."""
        head = self._head.decode("utf-8", "replace")
        tail = self._tail.decode("utf-8", "replace")
        if self.dropped:
            return f"{head}\n... [dropped {self.dropped} bytes of output] ...\n{tail}"
        return head + tail


def check_home(data_dir: Path) -> Path:
    """`{data_dir}/check-home`: HOME and tool caches of every subprocess (never holds credentials)."""
    return data_dir / CHECK_HOME_DIR_NAME


def command_environment(
    data_dir: Path,
    tmp_dir: Path,
    *,
    passthrough: Iterable[str] = (),
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The constructed environment of a subprocess (`checks.md` §5.3); never the server's own.

    `passthrough` names are copied from the server environment when set; `extra` is added last (git
    credentials, identity) and only by callers whose step needs it.
    """
    home = check_home(data_dir)
    cache = home / ".cache"
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(cache),
        "UV_CACHE_DIR": str(cache / "uv"),
        "TMPDIR": str(tmp_dir),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "CI": "true",
        "TERM": "dumb",
    }
    for name in PASSED_THROUGH_WHEN_SET:
        value = os.environ.get(name)
        if value:
            env[name] = value
    for name in passthrough:
        value = os.environ.get(name)
        if value is not None:
            env[name] = value
    env.update(extra or {})
    return env


def cut_for_log(text: str, limit: int = LOG_CUT_CHARS) -> str:
    """At most `limit` characters, then `... [truncated <n> chars]` when longer."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [truncated {len(text) - limit} chars]"


def _masked(text: str, secrets: Sequence[str]) -> str:
    return mask_secret_values(mask_secret_values(text), secrets) if secrets else mask_secret_values(text)


class _CaptureProtocol(asyncio.SubprocessProtocol):
    """Collects both output streams and tells when the process exited and when its pipes closed."""

    def __init__(self, stdout_sink: Callable[[bytes], None] | None) -> None:
        self.stdout = BoundedCapture()
        self.stderr = BoundedCapture()
        self.exited = asyncio.Event()
        self.closed = asyncio.Event()
        self._stdout_sink = stdout_sink or self.stdout.feed

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        if fd == 1:
            self._stdout_sink(data)
        else:
            self.stderr.feed(data)

    def process_exited(self) -> None:
        self.exited.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()


async def run_command(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout_seconds: float,
    stdin: bytes | None = None,
    secrets: Sequence[str] = (),
    kill_grace_seconds: float = KILL_GRACE_SECONDS,
    stdout_sink: Callable[[bytes], None] | None = None,
    pass_fds: Sequence[int] = (),
    on_started: Callable[[int], Awaitable[None]] | None = None,
) -> CommandResult:
    """Run `argv` (no shell) in its own process group and wait for it, at most `timeout_seconds`.

    On timeout the group is terminated and the result says `timed_out` with the output so far. On
    cancellation the group is terminated before `CancelledError` propagates. When the command exits,
    whatever it left running in its group is killed. `secrets` are masked in the DEBUG log lines, in
    addition to every registered secret. With `stdout_sink`, stdout goes there instead of the result.
    `pass_fds` stay open in the child; `on_started(pid)` runs once the process exists (the sandbox attaches
    its network there); if it fails, the group is killed and the error propagates.
    """
    LOGGER.debug("Running command: %s", cut_for_log(_masked(shlex.join(argv), secrets)))
    started = time.monotonic()
    transport, protocol = await asyncio.get_running_loop().subprocess_exec(
        lambda: _CaptureProtocol(stdout_sink),
        *argv,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        pass_fds=tuple(pass_fds),
    )
    try:
        await _started(transport, on_started)
        _write_stdin(transport, stdin)
        timed_out = await _wait_or_terminate(transport, protocol, timeout_seconds, kill_grace_seconds)
        _signal_group(transport.get_pid(), signal.SIGKILL)
        await _drain(protocol)
    finally:
        transport.close()
    result = CommandResult(
        argv=tuple(argv),
        exit_code=None if timed_out else transport.get_returncode(),
        stdout=protocol.stdout.text(),
        stderr=protocol.stderr.text(),
        duration_seconds=time.monotonic() - started,
        timed_out=timed_out,
    )
    _log_result(result, secrets)
    return result


async def _started(transport: asyncio.SubprocessTransport, on_started: Callable[[int], Awaitable[None]] | None) -> None:
    if on_started is None:
        return
    try:
        await on_started(transport.get_pid())
    except BaseException:
        _signal_group(transport.get_pid(), signal.SIGKILL)
        raise


def _write_stdin(transport: asyncio.SubprocessTransport, data: bytes | None) -> None:
    if data is None:
        return
    pipe = transport.get_pipe_transport(0)
    # A pipe was requested because data is given. uvloop's pipe transports are not subclasses of
    # asyncio.WriteTransport, so rely on the interface, not the class.
    assert pipe is not None
    writer: asyncio.WriteTransport = pipe  # type: ignore[assignment]
    writer.write(data)
    writer.write_eof()


async def _wait_or_terminate(
    transport: asyncio.SubprocessTransport, protocol: _CaptureProtocol, timeout_seconds: float, grace_seconds: float
) -> bool:
    """Wait for the exit; on timeout or cancellation terminate the group. Returns whether it timed out."""
    try:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that arrives
        # just as the awaited event completes, and a superseded job would then run on.
        async with asyncio.timeout(timeout_seconds):
            await protocol.exited.wait()
    except TimeoutError:
        await _terminate_shielded(transport.get_pid(), protocol, grace_seconds)
        return True
    except asyncio.CancelledError:
        await _terminate_shielded(transport.get_pid(), protocol, grace_seconds)
        raise
    return False


async def _drain(protocol: _CaptureProtocol) -> None:
    """Wait for the pipes to close (bounded: a process that left the group may hold them open).

    `asyncio.timeout`, not `wait_for`: on Python 3.11 `wait_for` returns normally when the caller is
    cancelled in the same loop turn as the pipes close. That lost the cancellation of a superseded check
    job between two of its commands, and the job then ran its full course (a PR's next push waited for it).
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(PIPE_DRAIN_SECONDS):
            await protocol.closed.wait()


async def _terminate_shielded(pgid: int, protocol: _CaptureProtocol, grace_seconds: float) -> None:
    """Terminate the group; a second cancellation does not interrupt it (the group still dies)."""
    termination = asyncio.ensure_future(_terminate_group(pgid, protocol, grace_seconds))
    try:
        await asyncio.shield(termination)
    except asyncio.CancelledError:
        await termination
        raise


async def _terminate_group(pgid: int, protocol: _CaptureProtocol, grace_seconds: float) -> None:
    """SIGTERM to the process group, wait up to `grace_seconds` for the exit, then SIGKILL."""
    _signal_group(pgid, signal.SIGTERM)
    try:
        await asyncio.wait_for(protocol.exited.wait(), grace_seconds)
    except TimeoutError:
        LOGGER.debug("Process group %d ignored SIGTERM for %.0f s; sending SIGKILL", pgid, grace_seconds)
    _signal_group(pgid, signal.SIGKILL)
    await protocol.exited.wait()


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _log_result(result: CommandResult, secrets: Sequence[str]) -> None:
    if not LOGGER.isEnabledFor(logging.DEBUG):
        return
    status = "timed out" if result.timed_out else f"exit code {result.exit_code}"
    LOGGER.debug("Command finished (%s) after %.1fs: %s", status, result.duration_seconds, result.argv[0])
    LOGGER.debug("Command stdout: %s", cut_for_log(_masked(result.stdout, secrets)))
    LOGGER.debug("Command stderr: %s", cut_for_log(_masked(result.stderr, secrets)))
