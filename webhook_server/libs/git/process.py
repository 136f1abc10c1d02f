"""Running one git command through the subprocess runner, with git's own safety settings.

Git gets the constructed subprocess environment (`checks.md` §5.3) plus settings that keep it from reading
user or system config and from prompting. Credentials and identity are added by the caller as environment
entries (`git_credentials`), never as arguments.
"""

from __future__ import annotations

import os
import shlex
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from webhook_server.libs.process.runner import CommandResult, command_environment, run_command
from webhook_server.utils.dry_run import intercept_git_push

GIT_TIMEOUT_SECONDS = 10 * 60.0
# No global or system config: checks share HOME (the check home) and could plant one there.
GIT_SAFETY_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_ASKPASS": "/bin/false",
    "SSH_ASKPASS": "/bin/false",
    "GIT_PAGER": "cat",
    "GIT_EDITOR": "true",
}


class GitError(RuntimeError):
    """A git command failed; the message holds the command and git's output (for check-run text)."""

    def __init__(self, result: CommandResult) -> None:
        self.result = result
        reason = "timed out" if result.timed_out else f"exited with {result.exit_code}"
        super().__init__(f"git {shlex.join(result.argv[1:])} {reason}")

    @property
    def output(self) -> str:
        """Git's stderr then stdout, as written."""
        return "\n".join(part for part in (self.result.stderr.strip(), self.result.stdout.strip()) if part)


@dataclass(frozen=True)
class GitRunner:
    """Runs git for one data dir: `HOME` in the check home, a temp dir per command."""

    data_dir: Path

    async def run(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        timeout_seconds: float = GIT_TIMEOUT_SECONDS,
        check: bool = True,
        stdin: bytes | None = None,
        stdout_sink: Callable[[bytes], None] | None = None,
    ) -> CommandResult:
        """`git <args>` in `cwd`; raises `GitError` on failure when `check` is true.

        With `stdout_sink`, git's stdout is streamed there (for outputs too large to keep in memory).
        In a dry run (`utils.dry_run`) a `git push` is recorded and reported as succeeded, not run.
        """
        if intercept_git_push(args):
            return CommandResult(argv=("git", *args), exit_code=0, stdout="", stderr="", duration_seconds=0.0)
        with tempfile.TemporaryDirectory(prefix="git-") as tmp:
            environment = command_environment(self.data_dir, Path(tmp), extra={**GIT_SAFETY_ENV, **(env or {})})
            result = await run_command(
                ["git", *args],
                cwd=cwd,
                env=environment,
                timeout_seconds=timeout_seconds,
                stdin=stdin,
                stdout_sink=stdout_sink,
            )
        if check and not result.succeeded:
            raise GitError(result)
        return result

    async def output(self, args: Sequence[str], *, cwd: Path, timeout_seconds: float = GIT_TIMEOUT_SECONDS) -> str:
        """The stdout of a successful `git <args>`."""
        return (await self.run(args, cwd=cwd, timeout_seconds=timeout_seconds)).stdout
