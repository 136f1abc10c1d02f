"""The hook for AI resolution of cherry-pick conflicts (`oracle-and-ai.md` §3.3).

The cherry-pick job calls the registered `ConflictResolver` while `git cherry-pick` is stopped on conflicts
and AI resolution is enabled. The resolver only runs the AI CLI in the worktree; the job itself then checks
that no conflict markers remain, runs `git add -A` and continues the cherry-pick. Without a resolver (or when
it reports failure) the manual path of `release.md` §1.4 is taken.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from webhook_server.libs.config import AiFeatures, RepositoryConfig


@dataclass(frozen=True)
class ConflictContext:
    """What the resolver gets: the stopped worktree and the task prompt's facts."""

    worktree: Path
    commit_sha: str
    commit_subject: str
    target_branch: str
    original_title: str
    commit_stat: str
    conflicted_files: tuple[str, ...]
    ai: AiFeatures
    timeout_minutes: int
    config: RepositoryConfig


@dataclass(frozen=True)
class ConflictResolution:
    """The resolver's answer: whether it resolved the conflicts, and a detail for logs and the check run."""

    resolved: bool
    detail: str = ""


ConflictResolver = Callable[[ConflictContext], Awaitable[ConflictResolution]]


def ai_model_name(ai: AiFeatures) -> str:
    """`<provider>/<model>`, as named in the report comment."""
    return f"{ai.ai_provider}/{ai.ai_model}"
