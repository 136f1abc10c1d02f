"""The delivery's way to the repository's git mirror: which mirror, and fetching just the refs and commits
the PR workflow needs, once per delivery, with the delivery's token (`intake.md` §6.7)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from webhook_server.libs.git.mirror import GitMirror, GitMirrors, branch_refspec, pull_head_refspec
from webhook_server.libs.github.auth import choose_token
from webhook_server.libs.github.urls import git_base_url

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

MIRRORS_EXTENSION = "mirrors"
CHECKS_EXTENSION = "checks"


def mirrors_of(webhook: GithubWebhook) -> GitMirrors:
    """The server's mirrors: the registered ones, else the check service's, else created here on first use
    (one `GitMirrors` per server, so each mirror has one lock)."""
    extensions = webhook.services.extensions
    mirrors: GitMirrors | None = extensions.get(MIRRORS_EXTENSION)
    if mirrors is None and CHECKS_EXTENSION in extensions:
        mirrors = extensions[CHECKS_EXTENSION].mirrors
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


async def fetch_base_and_pull_head(webhook: GithubWebhook, base_ref: str, number: int) -> None:
    """Fetch the base branch and `refs/pull/<n>/head` in one fetch (one round trip set instead of two)."""
    refspecs = [branch_refspec(base_ref), pull_head_refspec(number)]
    await mirror_of(webhook).fetch(_token(webhook), refspecs, delivery_id=webhook.delivery.delivery_id)


async def fetch_commits(webhook: GithubWebhook, shas: Sequence[str]) -> None:
    """Fetch explicit commits the mirror lacks (payload SHAs are checked to be full SHAs)."""
    await mirror_of(webhook).fetch_missing_commits(_token(webhook), shas, delivery_id=webhook.delivery.delivery_id)
