"""What bootstrap phases share: the repository being set up, phase failures and the per-repository result."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from github import Github, GithubException

from webhook_server.libs.config import RepositoryConfig, ServerConfig

RerunCheck = Callable[[str, int, str, str], Awaitable[None]]
"""(repository full name, PR number, head SHA, check name): run the check again as a job."""

ActiveJobCheck = Callable[[str, int, str, str], Awaitable[bool]]
"""(repository full name, PR number, head SHA, check name): whether a job for it is queued or running."""


class PhaseError(Exception):
    """A phase could not do (all of) its work; `reason` is the short text of the result line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def describe_github_error(error: GithubException) -> str:
    """`<status> <message>` of a GitHub error answer, without the documentation URL."""
    message = error.data.get("message") if isinstance(error.data, Mapping) else error.data
    return f"{error.status} {message}" if message else str(error.status)


@dataclass(frozen=True)
class RepositoryTarget:
    """One repository during bootstrap: its effective (server) config and what phase 2 fetched."""

    server: ServerConfig
    config: RepositoryConfig
    github: Github
    api_login: str
    data: Mapping[str, Any]

    @property
    def full_name(self) -> str:
        return self.config.full_name

    @property
    def private(self) -> bool:
        return bool(self.data["private"])

    @property
    def default_branch(self) -> str:
        return str(self.data["default_branch"])


@dataclass(frozen=True)
class PhaseFailure:
    """A failed phase and why."""

    phase: str
    reason: str


@dataclass(frozen=True)
class BootstrapResult:
    """The outcome of one repository's bootstrap: failed phases and phases that were not run."""

    repository: str
    failures: tuple[PhaseFailure, ...] = ()
    skipped: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary_line(self) -> str:
        """`Bootstrap <owner/repo>: ok` or `Bootstrap <owner/repo>: failed (<phase>: <reason>[; ...])`."""
        if self.ok:
            return f"Bootstrap {self.repository}: ok"
        details = "; ".join(f"{failure.phase}: {failure.reason}" for failure in self.failures)
        return f"Bootstrap {self.repository}: failed ({details})"
