"""Network for sandboxed checks that may use it, without the host's loopback: slirp4netns.

bwrap gives the command its own network namespace and reports the namespace's process on an info pipe
(`--info-fd`). slirp4netns (user-mode networking, `--disable-host-loopback`) then attaches a tap device with
NAT to the outside: the command reaches package registries, but not 127.0.0.1 of the host (the server's
port, the log viewer) nor 10.0.2.2 (slirp's alias of the host). Inside, a small wait lets the command start
only once the default route exists. The relay is stopped when the command ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

LOGGER = logging.getLogger(__name__)

TAP_DEVICE = "tap0"
ATTACH_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 5.0
# Waits up to 10 s for the default route through the tap device, then runs the command.
WAIT_FOR_ROUTE = (
    "i=0; while ! grep -q '^tap0[[:space:]]00000000' /proc/net/route; do i=$((i+1)); "
    'if [ "$i" -gt 1000 ]; then echo "sandbox: the network did not come up" >&2; exit 125; fi; '
    'sleep 0.01; done; exec "$@"'
)
SET_UP_POLL_SECONDS = 0.005


class SandboxNetworkError(RuntimeError):
    """slirp4netns could not give the sandbox its network."""


async def _read_until(fd: int, end: bytes) -> bytes | None:
    """Read the pipe `fd` (then close it) up to `end`; None on end of file or after the attach timeout."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    pipe = os.fdopen(fd, "rb", buffering=0)
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    try:
        async with asyncio.timeout(ATTACH_TIMEOUT_SECONDS):
            return await reader.readuntil(end)
    except (asyncio.IncompleteReadError, TimeoutError):
        return None
    finally:
        transport.close()


async def _set_up_done(sandbox_init: int) -> bool:
    """Wait until bwrap's init in the sandbox has started the command (bwrap's set-up is then complete)."""
    children = Path(f"/proc/{sandbox_init}/task/{sandbox_init}/children")
    try:
        async with asyncio.timeout(ATTACH_TIMEOUT_SECONDS):
            # procfs offers no change notification, and reading it never blocks: poll.
            while not children.read_text().strip():  # noqa: ASYNC110, ASYNC240
                await asyncio.sleep(SET_UP_POLL_SECONDS)
    except (FileNotFoundError, ProcessLookupError, TimeoutError):
        return False
    return True


class NetworkRelay:
    """One slirp4netns for one sandboxed command: create, pass `info_fd` to bwrap, `attach`, then `close`."""

    def __init__(self, slirp4netns: str, *, join_user_namespace: bool) -> None:
        self._slirp4netns = slirp4netns
        self._join_user_namespace = join_user_namespace
        self._read_fd, self.info_fd = os.pipe()
        self._process: asyncio.subprocess.Process | None = None

    @staticmethod
    def wrap(command: Sequence[str]) -> tuple[str, ...]:
        """The command behind the wait for the route (runs inside the sandbox, after the privilege drop)."""
        return ("/bin/sh", "-c", WAIT_FOR_ROUTE, "sandbox-network", *command)

    async def attach(self, _bwrap_pid: int) -> None:
        """Read the namespace's pid from bwrap's info pipe and start slirp4netns on it.

        When bwrap exits before reporting (a mount error), nothing is started: its error is the result.
        """
        os.close(self.info_fd)
        self.info_fd = -1
        child = await self._child_pid()
        # slirp4netns attaches only once bwrap finished its own set-up of the namespace (loopback).
        if child is None or not await _set_up_done(child):
            return
        argv = [self._slirp4netns, "--configure", "--mtu=65520", "--disable-host-loopback"]
        if self._join_user_namespace:
            argv.append(f"--userns-path=/proc/{child}/ns/user")
        ready_read, ready_write = os.pipe()
        argv += [f"--ready-fd={ready_write}", str(child), TAP_DEVICE]
        try:
            self._process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env={"PATH": os.defpath},
                start_new_session=True,
                pass_fds=(ready_write,),
            )
        finally:
            os.close(ready_write)
        if await _read_until(ready_read, b"1") is None:
            stderr = await self._process.stderr.read() if self._process.stderr else b""
            raise SandboxNetworkError(f"slirp4netns did not come up: {stderr.decode(errors='replace').strip()}")

    async def _child_pid(self) -> int | None:
        read_fd, self._read_fd = self._read_fd, -1
        info = await _read_until(read_fd, b"}")
        if info is None:
            return None
        pid: int = json.loads(info)["child-pid"]
        return pid

    async def close(self) -> None:
        """Stop slirp4netns (the namespace is gone or going) and close what is left of the pipe."""
        for fd in (self._read_fd, self.info_fd):
            if fd >= 0:
                os.close(fd)
        self._read_fd = self.info_fd = -1
        process = self._process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
