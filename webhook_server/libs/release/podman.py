"""Running podman and skopeo for the release flows: the constructed environment, a timeout, secrets masked
in logs, and the one retry after podman's stale-runtime error (`release.md` §3.2)."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.process.runner import CommandResult, command_environment, run_command
from webhook_server.libs.release.service import ReleaseService

LOGGER = logging.getLogger(__name__)

BOOT_ID_ERROR = "current system boot ID differs from cached boot ID"
_STALE_DIRECTORIES = re.compile(r'Please delete directories "([^"]+)" and "([^"]+)"')


def stale_runtime_directories(stderr: str) -> tuple[Path, ...]:
    """The absolute directories podman names in its boot-ID error (empty when it names none)."""
    match = _STALE_DIRECTORIES.search(stderr)
    if match is None:
        return ()
    return tuple(Path(value) for value in match.groups() if Path(value).is_absolute())


def _remove_directories(paths: Sequence[Path]) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def command_output(result: CommandResult) -> str:
    """stderr then stdout, stripped."""
    return "\n".join(part for part in (result.stderr.strip(), result.stdout.strip()) if part)


@dataclass(frozen=True)
class ToolRunner:
    """Starts tools with the release environment: the data dir's check home and the passthrough names."""

    data_dir: Path
    passthrough: tuple[str, ...]
    timeout_seconds: float
    secrets: tuple[str, ...]
    environment: Mapping[str, str]

    @classmethod
    def of(cls, service: ReleaseService, config: RepositoryConfig, secrets: Sequence[str]) -> ToolRunner:
        """Tools of one repository's job: its passthrough names, the job timeout, the secrets to mask."""
        timeout = service.timeout_seconds(config.check_timeout_minutes)
        passthrough = config.check_environment_passthrough
        return cls(service.data_dir, passthrough, timeout, tuple(secrets), service.tools.environment)

    async def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        stdin: bytes | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> CommandResult:
        """Run once; when podman reports a stale runtime after a reboot, clear it and run once more.

        `extra_env` is added to the constructed environment (for example twine's credentials).
        """
        result = await self._run_once(argv, cwd, stdin, extra_env)
        if BOOT_ID_ERROR in result.stderr:
            directories = stale_runtime_directories(result.stderr)
            LOGGER.warning("podman runtime state is stale; clearing %s and retrying once", directories)
            await asyncio.to_thread(_remove_directories, directories)
            result = await self._run_once(argv, cwd, stdin, extra_env)
        return result

    async def _run_once(
        self, argv: Sequence[str], cwd: Path, stdin: bytes | None, extra_env: Mapping[str, str] | None
    ) -> CommandResult:
        with tempfile.TemporaryDirectory(prefix="release-") as tmp:
            extra = {**self.environment, **(extra_env or {})}
            env = command_environment(self.data_dir, Path(tmp), passthrough=self.passthrough, extra=extra)
            return await run_command(
                argv, cwd=cwd, env=env, timeout_seconds=self.timeout_seconds, stdin=stdin, secrets=self.secrets
            )
