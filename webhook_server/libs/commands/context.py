"""`CommandRun`: what one command line's checks and effect see — the delivery, the command, the commenter,
the PR and the permission answers — and how a comment's permission sources are built from the services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from webhook_server.libs.commands.permissions import AccessSources, CommandAccess, GrantComment, OwnersFacts
from webhook_server.libs.commands.repository_people import RepositoryPeople, contributors, repository_people
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr import owners_service
from webhook_server.libs.pr.comments import reply_once
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.rules.commands import ParsedCommand

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook


@dataclass(frozen=True)
class CommentFacts:
    """The comment that carries the commands."""

    comment_id: int
    author: str
    body: str


@dataclass(frozen=True)
class CommandRun:
    """One command line of a comment, with everything its checks and effect need."""

    webhook: GithubWebhook
    command: ParsedCommand
    comment: CommentFacts
    pull: PullSnapshot
    access: CommandAccess

    @property
    def config(self) -> RepositoryConfig:
        return self.webhook.repo_config

    @property
    def commenter(self) -> str:
        return self.comment.author

    async def reply(self, body: str) -> None:
        """Answer on the PR as the API user (once per comment and text, even across a restart)."""
        await reply_once(self.webhook, self.comment.comment_id, body)


async def _owners_facts(webhook: GithubWebhook) -> OwnersFacts:
    owners = await owners_service.pr_owners(webhook)
    return OwnersFacts(
        pr_approvers_with_root=owners.approvers_with_root,
        pr_reviewers=owners.reviewers,
        repository_approvers=await owners_service.repository_approvers(webhook),
        allowed_users=await owners_service.allowed_users(webhook),
    )


def _access_sources(webhook: GithubWebhook) -> AccessSources:
    pull = webhook.pull_request
    assert pull is not None, "commands need a delivery with a resolved PR"

    async def pr_comments() -> Sequence[GrantComment]:
        def read() -> list[GrantComment]:
            return [GrantComment(comment.user.login, comment.body or "") for comment in pull.get_issue_comments()]

        return await github_api_call(read)

    async def assignees() -> Sequence[str]:
        return await github_api_call(lambda: [user.login for user in pull.assignees])

    async def people() -> RepositoryPeople:
        return await repository_people(webhook, with_contributors=False)

    async def listed_contributors() -> Sequence[str]:
        return await contributors(webhook)

    async def owners() -> OwnersFacts:
        return await _owners_facts(webhook)

    return AccessSources(
        people=people, owners=owners, pr_comments=pr_comments, assignees=assignees, contributors=listed_contributors
    )


def command_access(webhook: GithubWebhook, pull: PullSnapshot, bot_login: str | None) -> CommandAccess:
    """Permission answers for one comment on the delivery's PR, fetched lazily from the services."""
    return CommandAccess(_access_sources(webhook), pr_author=pull.author, bot_login=bot_login)
