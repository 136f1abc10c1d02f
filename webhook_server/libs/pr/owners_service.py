"""OWNERS data of a PR read from the git mirror at the base branch tip (`pr-workflow.md` §7), changed
files, and repository maintainers (`commands.md` §2) — each cached as the spec says."""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from webhook_server.libs.git import content
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr import git_access
from webhook_server.libs.pr.snapshot import PullSnapshot, pull_snapshot
from webhook_server.libs.rules import owners as owners_rules
from webhook_server.libs.rules.logins import login_key, unique_sorted_logins
from webhook_server.libs.rules.owners import OwnersFile, PrOwners, resolve_pr_owners

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

OWNERS_CACHE_EXTENSION = "owners_cache"
COLLABORATORS_TTL_SECONDS = 300.0
MAINTAINER_PERMISSIONS = frozenset({"admin", "maintain"})


@dataclass(frozen=True)
class Collaborator:
    """A repository collaborator and their highest permission (`admin`, `maintain`, `push`, `triage`, `pull`)."""

    login: str
    permission: str

    @property
    def is_maintainer(self) -> bool:
        return self.permission in MAINTAINER_PERMISSIONS


@dataclass
class OwnersCache:
    """Server-wide cache of collaborator permissions per repository, for 5 minutes (OWNERS and changed
    files are cached per SHA by `git_content`)."""

    collaborators: dict[str, tuple[float, tuple[Collaborator, ...]]] = field(default_factory=dict)


@dataclass
class _DeliveryOwners:
    """What one delivery already computed."""

    base_sha: str | None = None
    files: dict[str, OwnersFile] | None = None
    changed: tuple[str, ...] | None = None
    collaborators: tuple[Collaborator, ...] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_PER_DELIVERY: weakref.WeakKeyDictionary[GithubWebhook, _DeliveryOwners] = weakref.WeakKeyDictionary()


def _cache(webhook: GithubWebhook) -> OwnersCache:
    cache: OwnersCache = webhook.services.extensions.setdefault(OWNERS_CACHE_EXTENSION, OwnersCache())
    return cache


def _delivery(webhook: GithubWebhook) -> _DeliveryOwners:
    state = _PER_DELIVERY.get(webhook)
    if state is None:
        state = _PER_DELIVERY[webhook] = _DeliveryOwners()
    return state


async def _base_tip(webhook: GithubWebhook, pull: PullSnapshot) -> str:
    state = _delivery(webhook)
    if state.base_sha is None:
        state.base_sha = await git_access.fetch_base(webhook, pull.base_ref)
    return state.base_sha


async def owners_files(webhook: GithubWebhook) -> dict[str, OwnersFile]:
    """Every valid OWNERS file of the PR's base branch tip, by directory."""
    state = _delivery(webhook)
    async with state.lock:
        if state.files is None:
            pull = await pull_snapshot(webhook)
            base_sha = await _base_tip(webhook, pull)
            state.files = (await content.read_owners(git_access.mirror_of(webhook), base_sha)).files
        return state.files


async def changed_files(webhook: GithubWebhook) -> tuple[str, ...]:
    """The PR's changed files: `base tip...head` in the mirror, cached per (PR, base SHA, head SHA)."""
    pull = await pull_snapshot(webhook)
    state = _delivery(webhook)
    async with state.lock:
        if state.changed is None:
            base_sha = await _base_tip(webhook, pull)
            mirror = git_access.mirror_of(webhook)
            if not await mirror.has_commit(pull.head_sha):
                await git_access.fetch_pull_head(webhook, pull.number)
                await git_access.fetch_commits(webhook, [pull.head_sha])
            state.changed = await content.changed_files(mirror, base_sha, pull.head_sha)
        return state.changed


async def pr_owners(webhook: GithubWebhook) -> PrOwners:
    """The OWNERS view of the delivery's PR: applicable files, PR and root approvers/reviewers."""
    files = await owners_files(webhook)
    return resolve_pr_owners(files, await changed_files(webhook))


async def repository_approvers(webhook: GithubWebhook) -> tuple[str, ...]:
    """Approvers of every OWNERS file at the base tip (command permissions, `/automerge`)."""
    return owners_rules.repository_approvers(await owners_files(webhook))


async def repository_reviewers(webhook: GithubWebhook) -> tuple[str, ...]:
    """Reviewers of every OWNERS file at the base tip."""
    return owners_rules.repository_reviewers(await owners_files(webhook))


async def allowed_users(webhook: GithubWebhook) -> tuple[str, ...]:
    """`allowed-users` of the root OWNERS file."""
    return owners_rules.allowed_users(await owners_files(webhook))


def _permission(permissions: object) -> str:
    for name in ("admin", "maintain", "push", "triage", "pull"):
        if getattr(permissions, name, False):
            return name
    return "none"


async def collaborators(webhook: GithubWebhook) -> tuple[Collaborator, ...]:
    """The repository's collaborators with permissions; fetched once per delivery, cached 5 minutes."""
    state = _delivery(webhook)
    if state.collaborators is not None:
        return state.collaborators
    full_name = webhook.repo_context.full_name
    cached = _cache(webhook).collaborators.get(full_name)
    if cached is not None and time.monotonic() - cached[0] < COLLABORATORS_TTL_SECONDS:
        state.collaborators = cached[1]
        return cached[1]

    def list_collaborators() -> tuple[Collaborator, ...]:
        return tuple(
            Collaborator(user.login, _permission(user.permissions)) for user in webhook.repository.get_collaborators()
        )

    listed = await github_api_call(list_collaborators)
    _cache(webhook).collaborators[full_name] = (time.monotonic(), listed)
    state.collaborators = listed
    return listed


async def _find_collaborator(webhook: GithubWebhook, login: str) -> Collaborator | None:
    key = login_key(login)
    return next((user for user in await collaborators(webhook) if login_key(user.login) == key), None)


async def is_maintainer(webhook: GithubWebhook, login: str) -> bool:
    """Whether `login` is a collaborator with `admin` or `maintain` permission."""
    collaborator = await _find_collaborator(webhook, login)
    return collaborator is not None and collaborator.is_maintainer


async def is_collaborator(webhook: GithubWebhook, login: str) -> bool:
    """Whether `login` is a repository collaborator (any permission)."""
    return await _find_collaborator(webhook, login) is not None


async def maintainers(webhook: GithubWebhook) -> tuple[str, ...]:
    """The maintainers' logins, sorted case-insensitively (for replies that name them)."""
    return unique_sorted_logins(user.login for user in await collaborators(webhook) if user.is_maintainer)
