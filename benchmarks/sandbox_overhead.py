"""Start-up overhead of the PR-code sandbox: `true` through the subprocess runner, inside vs outside bwrap.

Usage: `uv run python -m benchmarks.sandbox_overhead [--runs 50] [--network]`
Each run is a full `run_command` (process group, pipes, wait), as a check pays it; the sandboxed run also
pays the worktree hand-over (chown when the server is root) and, with `--network`, starting slirp4netns.
Prints one line per figure (`name value unit`).
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from webhook_server.libs.process.runner import run_command
from webhook_server.libs.process.sandbox import Sandbox, SandboxMounts

ENV = {"PATH": os.defpath, "LANG": "C.UTF-8"}


async def timed(runs: int, once: Callable[[], Awaitable[None]]) -> list[float]:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        await once()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


async def main(runs: int, network: bool) -> None:
    sandbox = Sandbox()
    status = await sandbox.probe()
    if not status.available:
        raise SystemExit(f"sandbox unavailable: {status.reason}")
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        worktree, cache = Path(tmp, "wt"), Path(tmp, "cache")
        worktree.mkdir()  # noqa: ASYNC240 - set-up before timing
        cache.mkdir()  # noqa: ASYNC240
        mounts = SandboxMounts(worktree=worktree, cache_dir=cache)

        async def outside() -> None:
            result = await run_command(["true"], cwd=worktree, env=ENV, timeout_seconds=30)
            assert result.exit_code == 0

        async def inside() -> None:
            sandbox.hand_over(mounts)
            async with sandbox.launch(("true",), mounts, network=network, env=ENV) as launch:
                result = await run_command(
                    launch.argv,
                    cwd=worktree,
                    env=launch.env,
                    timeout_seconds=30,
                    pass_fds=launch.pass_fds,
                    on_started=launch.on_started,
                )
            assert result.exit_code == 0, result.stderr

        await timed(3, outside)  # warm the page cache
        await timed(3, inside)
        plain = statistics.median(await timed(runs, outside))
        sandboxed = statistics.median(await timed(runs, inside))
    print(f"runs {runs} count")
    mode = ("slirp4netns" if status.isolated_network else "host") if network else "none"
    print(f"network {mode} mode")
    print(f"outside_median {plain:.1f} ms")
    print(f"inside_median {sandboxed:.1f} ms")
    print(f"overhead_median {sandboxed - plain:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--network", action="store_true", help="a check with network (slirp4netns when available)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.network))
