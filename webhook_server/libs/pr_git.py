"""What the PR workflow reads from the repository's git mirror: the base tip, OWNERS files at a commit,
changed files between two commits, and the clean-rebase diff digest (`intake.md` §6.7, `pr-workflow.md` §1.2)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from webhook_server.libs.git_mirror import GitMirror, GitMirrors, branch_refspec, pull_head_refspec
from webhook_server.libs.git_process import GitError
from webhook_server.libs.github_auth import choose_token
from webhook_server.libs.rules.owners import OwnersFile, OwnersParseError, parse_owners, select_owners_paths

if TYPE_CHECKING:
    from webhook_server.libs.github_api import GithubWebhook

LOGGER = logging.getLogger(__name__)

MIRRORS_EXTENSION = "mirrors"
CLEAN_REBASE_GIT_TIMEOUT_SECONDS = 60.0
PUBLIC_API_URL = "https://api.github.com"


def git_base_url(api_url: str) -> str:
    """The web/git base derived from `github-api-url` (`intake.md` §10)."""
    url = api_url.rstrip("/")
    if url == PUBLIC_API_URL:
        return "https://github.com"
    if url.endswith("/api/v3"):
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"
    return url


def mirrors_of(webhook: GithubWebhook) -> GitMirrors:
    """The server's mirrors (registered by the runtime, or created here on first use)."""
    mirrors: GitMirrors | None = webhook.services.extensions.get(MIRRORS_EXTENSION)
    if mirrors is None:
        mirrors = GitMirrors(webhook.config.data_dir, git_base_url(webhook.config.github_api_url))
        webhook.services.extensions[MIRRORS_EXTENSION] = mirrors
    return mirrors


def mirror_of(webhook: GithubWebhook) -> GitMirror:
    """The mirror of the delivery's repository."""
    return mirrors_of(webhook).mirror(webhook.repo_context.full_name)


def _token(webhook: GithubWebhook) -> str:
    return choose_token(webhook.repo_context.pooled.pool).token


async def fetch_base(webhook: GithubWebhook, base_ref: str) -> str:
    """Fetch the base branch into the mirror (once per delivery); returns its tip SHA."""
    mirror = mirror_of(webhook)
    await mirror.fetch(_token(webhook), [branch_refspec(base_ref)], delivery_id=webhook.delivery.delivery_id)
    return await mirror.resolve(f"refs/heads/{base_ref}")


async def fetch_pull_head(webhook: GithubWebhook, number: int) -> None:
    """Fetch `refs/pull/<n>/head` into the mirror (once per delivery)."""
    mirror = mirror_of(webhook)
    await mirror.fetch(_token(webhook), [pull_head_refspec(number)], delivery_id=webhook.delivery.delivery_id)


async def fetch_commits(webhook: GithubWebhook, shas: Sequence[str]) -> None:
    """Fetch explicit commits the mirror lacks (payload SHAs are checked to be full SHAs)."""
    await mirror_of(webhook).fetch_missing_commits(_token(webhook), shas, delivery_id=webhook.delivery.delivery_id)


async def read_owners_files(mirror: GitMirror, commit: str) -> dict[str, OwnersFile]:
    """Every valid OWNERS file at `commit` by directory (`.` = root); invalid files are logged and skipped."""
    listing = await mirror.git.output(_git_dir(mirror, "ls-tree", "-r", "-z", "--name-only", commit), cwd=mirror.path)
    selection = select_owners_paths(path for path in listing.split("\0") if path)
    if selection.truncated:
        LOGGER.warning("More than %d OWNERS files at %s; only the first are read", len(selection.paths), commit[:7])
    owners: dict[str, OwnersFile] = {}
    for path in selection.paths:
        text = await mirror.git.output(_git_dir(mirror, "show", f"{commit}:{path}"), cwd=mirror.path)
        parsed = parse_owners(path, text)
        if isinstance(parsed, OwnersParseError):
            LOGGER.warning("Ignoring OWNERS file %s: %s", parsed.path, parsed.reason)
            continue
        owners[parsed.directory] = parsed
    return owners


async def read_changed_files(mirror: GitMirror, base_sha: str, head_sha: str) -> tuple[str, ...]:
    """`git diff --name-only base...head`, or the two-dot form when the commits share no merge base."""
    try:
        output = await mirror.git.output(
            _git_dir(mirror, "diff", "--name-only", "-z", f"{base_sha}...{head_sha}"), cwd=mirror.path
        )
    except GitError:
        output = await mirror.git.output(
            _git_dir(mirror, "diff", "--name-only", "-z", base_sha, head_sha), cwd=mirror.path
        )
    return tuple(path for path in output.split("\0") if path)


async def rebase_diff_digest(mirror: GitMirror, base_revision: str, head_sha: str) -> str:
    """SHA-256 of `git diff --binary merge-base(base, head)..head` (each git command limited to 60 s)."""
    merge_base = await mirror.git.output(
        _git_dir(mirror, "merge-base", base_revision, head_sha),
        cwd=mirror.path,
        timeout_seconds=CLEAN_REBASE_GIT_TIMEOUT_SECONDS,
    )
    digest = hashlib.sha256()
    await mirror.git.run(
        _git_dir(mirror, "diff", "--binary", "--no-color", "--no-ext-diff", f"{merge_base.strip()}..{head_sha}"),
        cwd=mirror.path,
        timeout_seconds=CLEAN_REBASE_GIT_TIMEOUT_SECONDS,
        stdout_sink=digest.update,
    )
    return digest.hexdigest()


def _git_dir(mirror: GitMirror, *args: str) -> list[str]:
    return ["--git-dir", str(Path(mirror.path)), *args]
