"""Repository collaborators (from the OWNERS service's cache) and contributors, fetched once per delivery and
cached per repository for five minutes (`commands.md` §2)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr import owners_service
from webhook_server.libs.rules.logins import contains_login, unique_sorted_logins

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

CONTRIBUTORS_TTL_SECONDS = 300.0
CONTRIBUTORS_EXTENSION = "contributors_cache"


@dataclass(frozen=True)
class RepositoryPeople:
    """Logins of collaborators, of maintainers among them, and of contributors."""

    collaborators: tuple[str, ...]
    maintainers: tuple[str, ...]
    contributors: tuple[str, ...]

    def is_collaborator(self, login: str) -> bool:
        return contains_login(self.collaborators, login)

    def is_maintainer(self, login: str) -> bool:
        """A collaborator with `admin` or `maintain` permission."""
        return contains_login(self.maintainers, login)

    def is_contributor(self, login: str) -> bool:
        return contains_login(self.contributors, login)


async def contributors(webhook: GithubWebhook) -> tuple[str, ...]:
    """The repository's contributors, cached server-wide per repository for five minutes."""
    cache: dict[str, tuple[float, tuple[str, ...]]] = webhook.services.extensions.setdefault(CONTRIBUTORS_EXTENSION, {})
    full_name = webhook.repo_context.full_name
    cached = cache.get(full_name)
    if cached is not None and time.monotonic() - cached[0] < CONTRIBUTORS_TTL_SECONDS:
        return cached[1]

    def list_contributors() -> tuple[str, ...]:
        return unique_sorted_logins(user.login for user in webhook.repository.get_contributors())

    listed = await github_api_call(list_contributors)
    cache[full_name] = (time.monotonic(), listed)
    return listed


async def repository_people(webhook: GithubWebhook, *, with_contributors: bool = True) -> RepositoryPeople:
    """Collaborators with maintainers, and (unless `with_contributors` is off) contributors, of the delivery's
    repository."""
    collaborators = await owners_service.collaborators(webhook)
    return RepositoryPeople(
        collaborators=unique_sorted_logins(user.login for user in collaborators),
        maintainers=await owners_service.maintainers(webhook),
        contributors=await contributors(webhook) if with_contributors else (),
    )
