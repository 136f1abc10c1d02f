"""Worktrees the release builds start from (`release.md` §3.1, §4): the PR head with its base merged in, or
the tip of a branch or tag, fetched into the repository's mirror with the API user's token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from webhook_server.libs.git.mirror import GitMirror, branch_refspec, pull_head_refspec, tag_refspec
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.release.worktree_git import GitAccess


@asynccontextmanager
async def pull_tree(
    mirror: GitMirror, access: GitAccess, pull: PullSnapshot, delivery_id: str | None
) -> AsyncIterator[Path]:
    """The PR head with `Merge <base>` on top (raises `GitError` when fetch, checkout or merge fail)."""
    refspecs = [branch_refspec(pull.base_ref), pull_head_refspec(pull.number)]
    await mirror.fetch(access.token, refspecs, delivery_id=delivery_id)
    await mirror.fetch_missing_commits(access.token, [pull.head_sha], delivery_id=delivery_id)
    async with mirror.worktree(pull.head_sha) as path:
        base = pull.base_ref
        await mirror.merge(path, f"refs/heads/{base}", f"Merge {base}", access.identity)
        yield path


@asynccontextmanager
async def branch_tree(
    mirror: GitMirror, access: GitAccess, branch: str, delivery_id: str | None
) -> AsyncIterator[tuple[Path, str]]:
    """The branch tip and its SHA."""
    await mirror.fetch(access.token, [branch_refspec(branch)], delivery_id=delivery_id)
    sha = await mirror.resolve(f"refs/heads/{branch}")
    async with mirror.worktree(sha) as path:
        yield path, sha


@asynccontextmanager
async def tag_tree(
    mirror: GitMirror, access: GitAccess, tag: str, delivery_id: str | None
) -> AsyncIterator[tuple[Path, str]]:
    """The tagged commit and its SHA."""
    await mirror.fetch(access.token, [tag_refspec(tag)], delivery_id=delivery_id)
    sha = await mirror.resolve(f"refs/tags/{tag}")
    async with mirror.worktree(sha) as path:
        yield path, sha
