"""`/lgtm` and `/lgtm cancel`: the commenter's `lgtm-<user>` label (anyone except the PR author)."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.rules.reviewer_state import lgtm_command
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp


async def _lgtm(run: CommandRun) -> None:
    outcome = lgtm_command(run.commenter, run.pull.author, run.command.is_cancel)
    await LabelService.of(run.webhook).apply(outcome.diff)
    request_evaluation(run.webhook)


def _denied(run: CommandRun) -> str:
    return f"@{run.commenter}, the author of a pull request cannot use `/lgtm` on it."


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    return (
        CommandHelp("/lgtm", "Approve the changes as a reviewer (`/lgtm cancel` withdraws it)", CommandGroup.REVIEW),
        CommandHelp("/lgtm [cancel]", "Add or remove your `lgtm-<user>` label", CommandGroup.LABELS),
    )


LGTM_COMMAND = CommandSpec(
    name="lgtm",
    permission=PermissionClass.NOT_PR_AUTHOR,
    argument=ArgumentRule.OPTIONAL,
    effect=_lgtm,
    help_lines=_help,
    denied_reply=_denied,
)
