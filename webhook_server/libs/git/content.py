"""Reading repository content from a mirror without a checkout: OWNERS, changed files, rebase diff hashes.

OWNERS files come from a base commit with `git ls-tree`/`git cat-file` (`pr-workflow.md` §7.2); changed
files from `git diff --name-only <base>...<head>`, or the two-dot form when there is no merge base
(`intake.md` §6.7); the clean-rebase test compares SHA-256 hashes of the binary diffs of the PR's commits
before and after a push (`pr-workflow.md` §1.2). Answers for fixed SHAs are cached in memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

from webhook_server.libs.git.mirror import GitMirror
from webhook_server.libs.git.process import GitError
from webhook_server.libs.rules.owners import (
    OwnersFile,
    OwnersParseError,
    owners_directory,
    parse_owners,
    select_owners_paths,
)

LOGGER = logging.getLogger(__name__)

CLEAN_REBASE_GIT_TIMEOUT_SECONDS = 60.0
_CACHE_SIZE = 256
_NO_MERGE_BASE_EXIT_CODE = 1

K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    """A small least-recently-used map."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


@dataclass(frozen=True)
class RepositoryOwners:
    """The OWNERS files of one base commit, by directory (`.` for the root), and the ignored ones."""

    files: dict[str, OwnersFile]
    errors: tuple[OwnersParseError, ...] = ()
    truncated: bool = False


_OWNERS_CACHE: _Lru[tuple[str, str], RepositoryOwners] = _Lru()
_CHANGED_FILES_CACHE: _Lru[tuple[str, str, str], tuple[str, ...]] = _Lru()


async def read_owners(mirror: GitMirror, base_sha: str) -> RepositoryOwners:
    """Parse every OWNERS file at `base_sha` (at most 1000, in path order); ignored ones are logged."""
    key = (str(mirror.path), base_sha)
    cached = _OWNERS_CACHE.get(key)
    if cached is not None:
        return cached
    listing = await mirror.git.output(
        ["--git-dir", str(mirror.path), "ls-tree", "-r", "-z", "--name-only", base_sha], cwd=mirror.path
    )
    selection = select_owners_paths(path for path in listing.split("\0") if path)
    if selection.truncated:
        LOGGER.warning(
            "More than %d OWNERS files in %s; reading the first ones", len(selection.paths), mirror.full_name
        )
    texts = await _read_blobs(mirror, base_sha, selection.paths)
    files: dict[str, OwnersFile] = {}
    errors: list[OwnersParseError] = []
    for path, text in zip(selection.paths, texts, strict=True):
        parsed = parse_owners(path, text)
        if isinstance(parsed, OwnersParseError):
            LOGGER.warning("Ignoring OWNERS file %s: %s", parsed.path, parsed.reason)
            errors.append(parsed)
        else:
            files[owners_directory(path)] = parsed
    owners = RepositoryOwners(files=files, errors=tuple(errors), truncated=selection.truncated)
    _OWNERS_CACHE.put(key, owners)
    return owners


async def _read_blobs(mirror: GitMirror, commit: str, paths: tuple[str, ...]) -> list[str]:
    """The text of each `commit:path`, in one `git cat-file --batch` call."""
    if not paths:
        return []
    collected = bytearray()
    request = "".join(f"{commit}:{path}\n" for path in paths).encode()
    await mirror.git.run(
        ["--git-dir", str(mirror.path), "cat-file", "--batch"],
        cwd=mirror.path,
        stdin=request,
        stdout_sink=collected.extend,
    )
    texts = []
    offset = 0
    for _ in paths:
        header_end = collected.index(b"\n", offset)
        size = int(collected[offset:header_end].split()[2])
        start = header_end + 1
        texts.append(collected[start : start + size].decode("utf-8", "replace"))
        offset = start + size + 1
    return texts


async def changed_files(mirror: GitMirror, base_sha: str, head_sha: str) -> tuple[str, ...]:
    """Paths changed by the PR: `git diff --name-only base...head`, or `base..head` without a merge base."""
    key = (str(mirror.path), base_sha, head_sha)
    cached = _CHANGED_FILES_CACHE.get(key)
    if cached is not None:
        return cached
    git_dir = ["--git-dir", str(mirror.path)]
    merge_base = await mirror.git.run([*git_dir, "merge-base", base_sha, head_sha], cwd=mirror.path, check=False)
    if not merge_base.succeeded and merge_base.exit_code != _NO_MERGE_BASE_EXIT_CODE:
        raise GitError(merge_base)
    separator = "..." if merge_base.succeeded else ".."
    output = await mirror.git.output(
        [*git_dir, "diff", "--name-only", "-z", f"{base_sha}{separator}{head_sha}"], cwd=mirror.path
    )
    files = tuple(path for path in output.split("\0") if path)
    _CHANGED_FILES_CACHE.put(key, files)
    return files


async def pr_diff_hash(mirror: GitMirror, base_revision: str, head_sha: str) -> str:
    """SHA-256 of the binary diff from merge-base(base, head) to head: what the PR's commits change."""
    git_dir = ["--git-dir", str(mirror.path)]
    timeout = CLEAN_REBASE_GIT_TIMEOUT_SECONDS
    merge_base = await mirror.git.output(
        [*git_dir, "merge-base", base_revision, head_sha], cwd=mirror.path, timeout_seconds=timeout
    )
    digest = hashlib.sha256()
    await mirror.git.run(
        [*git_dir, "diff", "--binary", "--no-color", "--no-ext-diff", merge_base.strip(), head_sha],
        cwd=mirror.path,
        timeout_seconds=timeout,
        stdout_sink=digest.update,
    )
    return digest.hexdigest()


async def is_clean_rebase(mirror: GitMirror, base_revision: str, before_sha: str, after_sha: str) -> bool:
    """Whether the push from `before` to `after` only rebased the same changes onto `base_revision`.

    Both SHAs must already be in the mirror. Any git error means "not clean".
    """
    before, after = await asyncio.gather(  # neither raises: no git command is left running behind a failure
        _diff_hash_or_none(mirror, base_revision, before_sha), _diff_hash_or_none(mirror, base_revision, after_sha)
    )
    return before is not None and before == after


async def _diff_hash_or_none(mirror: GitMirror, base_revision: str, sha: str) -> str | None:
    try:
        return await pr_diff_hash(mirror, base_revision, sha)
    except GitError as error:
        LOGGER.info("Clean-rebase detection failed, treating the push as a new change: %s", error)
        return None
