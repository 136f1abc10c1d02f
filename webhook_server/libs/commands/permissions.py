"""Permission classes of comment commands (`commands.md` §2): who is a valid user, a maintainer, a PR or
repository approver, and the verdict of a class for one commenter. Data is fetched lazily, once per comment."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from webhook_server.libs.commands.repository_people import RepositoryPeople
from webhook_server.libs.rules.commands import granted_logins
from webhook_server.libs.rules.logins import contains_login, same_login


class PermissionClass(StrEnum):
    """Who may run a command (`commands.md` §2, §3)."""

    ANYONE = "anyone"
    VALID_USER = "valid user"
    PR_AUTHOR_OR_VALID_USER = "PR author or valid user"
    PR_AUTHOR_OR_PR_APPROVER = "PR author or PR approver"
    NOT_PR_AUTHOR = "anyone except the PR author"
    PR_APPROVER = "PR approver or root approver"
    MAINTAINER = "maintainer"
    MAINTAINER_OR_REPOSITORY_APPROVER = "maintainer or repository approver"
    REBASER = "valid user and (PR author or maintainer)"


class Verdict(StrEnum):
    """Outcome of a permission check."""

    ALLOWED = "allowed"
    NOT_VALID_USER = "not-valid-user"  # answered once per comment with the valid-user reply
    DENIED = "denied"  # answered with the command's own refusal


@dataclass(frozen=True)
class OwnersFacts:
    """What OWNERS says for permissions: PR approvers ∪ root approvers, PR reviewers, every approver of the
    repository, and the root file's `allowed-users`."""

    pr_approvers_with_root: tuple[str, ...]
    pr_reviewers: tuple[str, ...]
    repository_approvers: tuple[str, ...]
    allowed_users: tuple[str, ...]


@dataclass(frozen=True)
class GrantComment:
    """A PR comment that may grant command rights: its author and body."""

    author: str
    body: str


@dataclass(frozen=True)
class AccessSources:
    """Where the facts come from (each called at most once per `CommandAccess`)."""

    people: Callable[[], Awaitable[RepositoryPeople]]
    owners: Callable[[], Awaitable[OwnersFacts]]
    pr_comments: Callable[[], Awaitable[Sequence[GrantComment]]]
    assignees: Callable[[], Awaitable[Sequence[str]]]
    contributors: Callable[[], Awaitable[Sequence[str]]] | None = None  # None: `people().contributors`


class CommandAccess:
    """Permission answers for the commands of one comment on one PR."""

    def __init__(self, sources: AccessSources, *, pr_author: str, bot_login: str | None) -> None:
        self._sources = sources
        self.pr_author = pr_author
        self._bot_login = bot_login
        self._people: RepositoryPeople | None = None
        self._contributors: Sequence[str] | None = None
        self._owners: OwnersFacts | None = None
        self._grant_comments: Sequence[GrantComment] | None = None
        self._grants: dict[str, bool] = {}

    async def people(self) -> RepositoryPeople:
        if self._people is None:
            self._people = await self._sources.people()
        return self._people

    async def contributors(self) -> Sequence[str]:
        """Read only when a commenter is not a collaborator (a separate, cached listing)."""
        if self._contributors is None:
            source = self._sources.contributors
            self._contributors = await source() if source is not None else (await self.people()).contributors
        return self._contributors

    async def owners(self) -> OwnersFacts:
        if self._owners is None:
            self._owners = await self._sources.owners()
        return self._owners

    def is_pr_author(self, login: str) -> bool:
        return same_login(login, self.pr_author)

    async def is_maintainer(self, login: str) -> bool:
        return (await self.people()).is_maintainer(login)

    async def is_pr_approver(self, login: str) -> bool:
        """PR approvers ∪ root approvers."""
        return contains_login((await self.owners()).pr_approvers_with_root, login)

    async def is_repository_approver(self, login: str) -> bool:
        return contains_login((await self.owners()).repository_approvers, login)

    async def is_maintainer_or_repository_approver(self, login: str) -> bool:
        return await self.is_maintainer(login) or await self.is_repository_approver(login)

    async def is_valid_user(self, login: str) -> bool:
        """Collaborators, contributors, repository approvers, PR reviewers, root `allowed-users`, or granted."""
        if (await self.people()).is_collaborator(login) or contains_login(await self.contributors(), login):
            return True
        owners = await self.owners()
        listed = (*owners.repository_approvers, *owners.pr_reviewers, *owners.allowed_users)
        return contains_login(listed, login) or await self.is_granted(login)

    async def is_granted(self, login: str) -> bool:
        """Whether a maintainer or repository approver commented exactly `/add-allowed-user @<login>` on the PR."""
        if login.casefold() not in self._grants:
            self._grants[login.casefold()] = await self._find_grant(login)
        return self._grants[login.casefold()]

    async def _find_grant(self, login: str) -> bool:
        if self._grant_comments is None:
            self._grant_comments = await self._sources.pr_comments()
        for comment in self._grant_comments:
            if contains_login(granted_logins(comment.body), login) and await self.is_maintainer_or_repository_approver(
                comment.author
            ):
                return True
        return False

    async def verdict(self, permission: PermissionClass, login: str) -> Verdict:
        """The verdict of `permission` for `login`."""
        if permission in _VALID_USER_CLASSES:
            if permission is PermissionClass.PR_AUTHOR_OR_VALID_USER and self.is_pr_author(login):
                return Verdict.ALLOWED
            if not await self.is_valid_user(login):
                return Verdict.NOT_VALID_USER
            if permission is PermissionClass.REBASER:
                return _allowed(await self._may_rebase(login))
            return Verdict.ALLOWED
        return _allowed(await self._class_holds(permission, login))

    async def _class_holds(self, permission: PermissionClass, login: str) -> bool:
        if permission is PermissionClass.ANYONE:
            return True
        if permission is PermissionClass.NOT_PR_AUTHOR:
            return not self.is_pr_author(login)
        if permission is PermissionClass.PR_AUTHOR_OR_PR_APPROVER:
            return self.is_pr_author(login) or await self.is_pr_approver(login)
        if permission is PermissionClass.PR_APPROVER:
            return await self.is_pr_approver(login)
        if permission is PermissionClass.MAINTAINER:
            return await self.is_maintainer(login)
        return await self.is_maintainer_or_repository_approver(login)

    async def _may_rebase(self, login: str) -> bool:
        """PR author or maintainer; for a PR authored by the bot login: a PR assignee or maintainer."""
        if await self.is_maintainer(login):
            return True
        if self._bot_login is not None and same_login(self.pr_author, self._bot_login):
            return contains_login(await self._sources.assignees(), login)
        return self.is_pr_author(login)

    async def valid_user_refusal(self, login: str) -> str:
        """The once-per-comment reply for a commenter who is not a valid user (`commands.md` §2)."""
        people = await self.people()
        owners = await self.owners()
        return (
            f"@{login} is not allowed to run commands on this pull request.\n\n"
            f"Maintainers: {_listed(people.maintainers)}\n"
            f"Repository approvers: {_listed(owners.repository_approvers)}\n\n"
            f"A maintainer or an approver can allow @{login} by commenting `/add-allowed-user @{login}`."
        )


_VALID_USER_CLASSES = frozenset(
    {PermissionClass.VALID_USER, PermissionClass.PR_AUTHOR_OR_VALID_USER, PermissionClass.REBASER}
)


def _allowed(holds: bool) -> Verdict:
    return Verdict.ALLOWED if holds else Verdict.DENIED


def _listed(logins: Sequence[str]) -> str:
    return ", ".join(f"`{login}`" for login in logins) if logins else "none"
