"""Bare git mirrors per repository and the worktrees made from them (`intake.md` §6.7).

One bare mirror per repository at `{data_dir}/git-mirrors/<owner>/<repo>.git`, fetched (never cloned in
full) with just the refs an operation needs. Fetch, worktree add and worktree remove are serialised per
mirror by a lock. Every worktree lives under `{data_dir}/worktrees/<repo>-<uuid4>` and is removed when its
operation ends, whatever the ending. The token reaches git only through the git process's environment.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from webhook_server.libs.git.credentials import CommitIdentity, git_auth_environment
from webhook_server.libs.git.process import GitRunner

LOGGER = logging.getLogger(__name__)

MIRRORS_DIR_NAME = "git-mirrors"
WORKTREES_DIR_NAME = "worktrees"
FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
_REMEMBERED_DELIVERIES = 512
_NO_BACKGROUND_GC = ("-c", "gc.autoDetach=false", "-c", "maintenance.autoDetach=false")


def branch_refspec(branch: str) -> str:
    """`+refs/heads/<branch>:refs/heads/<branch>`."""
    return f"+refs/heads/{branch}:refs/heads/{branch}"


def pull_head_refspec(number: int) -> str:
    """`+refs/pull/<n>/head:refs/pull/<n>/head`."""
    return f"+refs/pull/{number}/head:refs/pull/{number}/head"


def tag_refspec(tag: str) -> str:
    """`+refs/tags/<tag>:refs/tags/<tag>`."""
    return f"+refs/tags/{tag}:refs/tags/{tag}"


def is_full_sha(value: str) -> bool:
    """Whether `value` is 40 lowercase hex characters (the only payload SHAs git is given)."""
    return FULL_SHA.match(value) is not None


class GitMirror:
    """The bare mirror of one repository."""

    def __init__(
        self, full_name: str, *, path: Path, url: str, git_base_url: str, worktrees_root: Path, git: GitRunner
    ) -> None:
        self.full_name = full_name
        self.path = path
        self.url = url
        self.git = git
        self._git_base_url = git_base_url
        self._worktrees_root = worktrees_root
        self._lock = asyncio.Lock()
        self._fetched: OrderedDict[str, set[str]] = OrderedDict()

    async def _ensure_created(self) -> None:
        """Create the empty bare repository on first use (caller holds the lock)."""
        if (self.path / "HEAD").exists():
            return
        self.path.mkdir(parents=True, exist_ok=True)
        await self.git.run(["init", "--quiet", "--bare", str(self.path)], cwd=self.path)

    async def fetch(self, token: str, refspecs: Sequence[str], *, delivery_id: str | None = None) -> None:
        """Fetch `refspecs` from the repository's git URL, at most once per delivery for the same refspecs.

        Raises `GitError` (with git's output) when the fetch fails.
        """
        async with self._lock:
            await self._ensure_created()
            done = self._fetched.get(delivery_id, set()) if delivery_id else set()
            wanted = [spec for spec in dict.fromkeys(refspecs) if spec not in done]
            if not wanted:
                return
            await self.git.run(
                [*_NO_BACKGROUND_GC, "--git-dir", str(self.path), "fetch", "--quiet", "--no-tags", self.url, *wanted],
                cwd=self.path,
                env=git_auth_environment(self._git_base_url, token),
            )
            if delivery_id:
                self._remember(delivery_id, wanted)

    def _remember(self, delivery_id: str, refspecs: Sequence[str]) -> None:
        self._fetched.setdefault(delivery_id, set()).update(refspecs)
        self._fetched.move_to_end(delivery_id)
        while len(self._fetched) > _REMEMBERED_DELIVERIES:
            self._fetched.popitem(last=False)

    async def has_commit(self, sha: str) -> bool:
        """Whether the mirror holds the commit `sha`."""
        if not (self.path / "HEAD").exists():
            return False
        result = await self.git.run(
            ["--git-dir", str(self.path), "cat-file", "-e", f"{sha}^{{commit}}"], cwd=self.path, check=False
        )
        return result.succeeded

    async def fetch_missing_commits(self, token: str, shas: Sequence[str], *, delivery_id: str | None = None) -> None:
        """Fetch explicit SHAs the mirror lacks; anything but 40 lowercase hex characters is refused."""
        invalid = [sha for sha in shas if not is_full_sha(sha)]
        if invalid:
            raise ValueError(f"not a full commit SHA: {invalid[0]!r}")
        missing = [sha for sha in dict.fromkeys(shas) if not await self.has_commit(sha)]
        if missing:
            await self.fetch(token, missing, delivery_id=delivery_id)

    async def resolve(self, revision: str) -> str:
        """The commit SHA a ref or SHA names in the mirror (`GitError` when unknown)."""
        output = await self.git.output(
            ["--git-dir", str(self.path), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd=self.path
        )
        return output.strip()

    @asynccontextmanager
    async def worktree(self, commit: str) -> AsyncIterator[Path]:
        """A fresh detached worktree at `commit`, removed when the block ends (also on failure or cancel)."""
        path = self._worktrees_root / f"{self.full_name.split('/', 1)[1]}-{uuid.uuid4()}"
        async with self._lock:
            self._worktrees_root.mkdir(parents=True, exist_ok=True)
            await self._add_worktree(path, commit)
        try:
            yield path
        finally:
            await _shielded(self._remove_worktree(path))

    async def _add_worktree(self, path: Path, commit: str) -> None:
        try:
            await self.git.run(
                ["--git-dir", str(self.path), "worktree", "add", "--quiet", "--detach", str(path), commit],
                cwd=self.path,
            )
        except BaseException:
            await self._delete_worktree_leftovers(path)
            raise

    async def _remove_worktree(self, path: Path) -> None:
        async with self._lock:
            result = await self.git.run(
                ["--git-dir", str(self.path), "worktree", "remove", "--force", "--force", str(path)],
                cwd=self.path,
                check=False,
            )
            if not result.succeeded or await asyncio.to_thread(path.exists):
                LOGGER.debug("git worktree remove failed for %s; deleting it and pruning", path)
                await self._delete_worktree_leftovers(path)

    async def _delete_worktree_leftovers(self, path: Path) -> None:
        await asyncio.to_thread(shutil.rmtree, path, ignore_errors=True)
        await self.git.run(["--git-dir", str(self.path), "worktree", "prune"], cwd=self.path, check=False)

    async def merge(self, worktree: Path, revision: str, message: str, identity: CommitIdentity) -> None:
        """`git merge --no-edit -m <message> <revision>` in `worktree`, committing as `identity`.

        Raises `GitError` with git's output when the merge fails (a conflict leaves the worktree as is).
        """
        await self.git.run(
            ["merge", "--no-edit", "--no-verify", "-m", message, revision], cwd=worktree, env=identity.environment()
        )


async def _shielded(cleanup: Coroutine[Any, Any, None]) -> None:
    """Run a cleanup coroutine to its end even if the caller is cancelled meanwhile."""
    task = asyncio.ensure_future(cleanup)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


class GitMirrors:
    """Every repository's mirror under one data dir, and the startup cleanup of leftover worktrees."""

    def __init__(self, data_dir: Path, git_base_url: str) -> None:
        self.data_dir = data_dir
        self.git_base_url = git_base_url.rstrip("/")
        self.mirrors_root = data_dir / MIRRORS_DIR_NAME
        self.worktrees_root = data_dir / WORKTREES_DIR_NAME
        self.git = GitRunner(data_dir)
        self._mirrors: dict[str, GitMirror] = {}

    def mirror(self, full_name: str) -> GitMirror:
        """The mirror of `owner/repo` (one object per repository, so its lock is shared)."""
        mirror = self._mirrors.get(full_name)
        if mirror is None:
            owner, repo = full_name.split("/", 1)
            mirror = GitMirror(
                full_name,
                path=self.mirrors_root / owner / f"{repo}.git",
                url=f"{self.git_base_url}/{owner}/{repo}.git",
                git_base_url=self.git_base_url,
                worktrees_root=self.worktrees_root,
                git=self.git,
            )
            self._mirrors[full_name] = mirror
        return mirror

    async def clean_worktrees(self) -> int:
        """Empty `{data_dir}/worktrees/` and prune every mirror's worktree list; returns how many were left over."""
        leftovers = sorted(self.worktrees_root.iterdir()) if self.worktrees_root.is_dir() else []
        for path in leftovers:
            await asyncio.to_thread(_delete_path, path)
        for mirror_path in sorted(self.mirrors_root.glob("*/*.git")):
            await self.git.run(["--git-dir", str(mirror_path), "worktree", "prune"], cwd=mirror_path, check=False)
        if leftovers:
            LOGGER.info("Removed %d leftover worktrees", len(leftovers))
        return len(leftovers)


def _delete_path(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
