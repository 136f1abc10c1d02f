"""Registry credentials without argv (`release.md` §3.2, **Beyond**): a temporary auth file written by
`podman login --password-stdin` (or `skopeo login`), used by the push or tag commands, deleted afterwards."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from webhook_server.libs.config import ContainerConfig
from webhook_server.libs.release.podman import ToolRunner, command_output


def registry_host(repository: str) -> str:
    """The registry host: the first path component of `container.repository`."""
    return repository.split("/", 1)[0]


def has_registry_host(repository: str) -> bool:
    """Whether `container.repository` names a registry host (three or more `/`-separated parts)."""
    return len(repository.split("/")) >= 3


@dataclass(frozen=True)
class LoginResult:
    """Whether the login worked, its output, and the auth file to pass with `--authfile`."""

    succeeded: bool
    output: str
    authfile: Path


@asynccontextmanager
async def registry_login(
    runner: ToolRunner, login_argv: tuple[str, ...], container: ContainerConfig, cwd: Path
) -> AsyncIterator[LoginResult]:
    """`<login_argv> --authfile <tmp>/auth.json --username <user> --password-stdin <host>`, password on stdin.

    `login_argv` is for example `("podman", "login")` or `("skopeo", "login", "--tls-verify=false")`. The
    temporary directory, with the auth file, is removed when the block ends.
    """
    with tempfile.TemporaryDirectory(prefix="registry-auth-") as tmp:
        authfile = Path(tmp) / "auth.json"
        host = registry_host(container.repository)
        argv = [*login_argv, "--authfile", str(authfile), "--username", container.username, "--password-stdin", host]
        result = await runner.run(argv, cwd=cwd, stdin=container.password.encode())
        yield LoginResult(result.succeeded, command_output(result), authfile)
