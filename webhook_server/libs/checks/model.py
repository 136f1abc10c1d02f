"""The values a command check is built from and produces: its target PR, tool launchers, the command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from webhook_server.libs.config import RepositoryConfig


class PullRequestRefs(Protocol):
    """What checks need to know about a PR (the PR workflow's `PullSnapshot` has these fields)."""

    @property
    def number(self) -> int: ...
    @property
    def head_sha(self) -> str: ...
    @property
    def head_ref(self) -> str: ...
    @property
    def base_ref(self) -> str: ...
    @property
    def base_sha(self) -> str: ...


@dataclass(frozen=True)
class CheckTarget:
    """The PR state a check job runs for; stored in the job's ledger spec so a resumed job runs the same."""

    number: int
    head_sha: str
    head_ref: str
    base_ref: str
    base_sha: str

    @classmethod
    def of(cls, pr: PullRequestRefs) -> CheckTarget:
        """Copy the fields checks use from any PR snapshot."""
        return cls(pr.number, pr.head_sha, pr.head_ref, pr.base_ref, pr.base_sha)

    def to_spec(self) -> dict[str, Any]:
        """The JSON-able form kept in the ledger."""
        return {
            "number": self.number,
            "head_sha": self.head_sha,
            "head_ref": self.head_ref,
            "base_ref": self.base_ref,
            "base_sha": self.base_sha,
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> CheckTarget:
        """Rebuild from `to_spec` output."""
        return cls(spec["number"], spec["head_sha"], spec["head_ref"], spec["base_ref"], spec["base_sha"])


@dataclass(frozen=True)
class ToolLaunchers:
    """Argument-vector prefixes that start the tools of the built-in checks.

    The defaults are the spec's (`checks.md` §3.2): tools run through `uvx`. A launcher given here replaces
    the whole `uvx ... <tool>` prefix (tests point them at tools already installed, so nothing downloads).
    `podman_build_flags` are added to every `podman build` of a PR check.
    """

    uvx: tuple[str, ...] = ("uvx",)
    tox: tuple[str, ...] | None = None
    pre_commit: tuple[str, ...] | None = None
    pip: tuple[str, ...] | None = None
    podman: tuple[str, ...] = ("podman",)
    podman_build_flags: tuple[str, ...] = ("--isolation=chroot",)


@dataclass(frozen=True)
class CheckInputs:
    """Everything a check's command is built from."""

    name: str
    worktree: Path
    config: RepositoryConfig
    target: CheckTarget
    launchers: ToolLaunchers
    web_base_url: str


@dataclass(frozen=True)
class CheckCommand:
    """One check's argument vector (no shell unless the vector starts one), where it runs, and its limits."""

    title: str
    argv: tuple[str, ...]
    cwd: Path
    timeout_minutes: int


class CheckNotRunnableError(Exception):
    """The check cannot be run as configured (for example a build context outside the worktree)."""
