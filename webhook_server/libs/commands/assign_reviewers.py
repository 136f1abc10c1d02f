"""`/assign-reviewers` (request reviews from the PR reviewers, `pr-workflow.md` §8) and
`/assign-reviewer @<login>` (request a review from one repository collaborator)."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr import owners_service
from webhook_server.libs.pr.reviewers import request_reviewers
from webhook_server.libs.rules.commands import login_argument
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp


async def _assign_reviewers(run: CommandRun) -> None:
    await request_reviewers(run.webhook)


async def _assign_reviewer(run: CommandRun) -> None:
    login = login_argument(run.command.args)
    if not await owners_service.is_collaborator(run.webhook, login):
        await run.reply(f"{login} is not a repository collaborator and was not added as a reviewer.")
        return
    pull = run.webhook.pull_request
    assert pull is not None
    await github_api_call(pull.create_review_request, reviewers=[login])


def _reviewers_help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    return (CommandHelp("/assign-reviewers", "Request reviews from the reviewers in OWNERS", CommandGroup.REVIEW),)


def _reviewer_help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    return (CommandHelp("/assign-reviewer @username", "Request a review from one collaborator", CommandGroup.REVIEW),)


ASSIGN_REVIEWERS_COMMAND = CommandSpec(
    name="assign-reviewers",
    permission=PermissionClass.VALID_USER,
    argument=ArgumentRule.NONE,
    effect=_assign_reviewers,
    help_lines=_reviewers_help,
)

ASSIGN_REVIEWER_COMMAND = CommandSpec(
    name="assign-reviewer",
    permission=PermissionClass.VALID_USER,
    argument=ArgumentRule.REQUIRED,
    effect=_assign_reviewer,
    help_lines=_reviewer_help,
)
