"""`/verified` and `/verified cancel`: the `verified` label, and the `verified` check run when `verified-job`
is on (**Beyond**: with `verified-job: false` only the label changes)."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import label_categories
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.pr.verified import set_verified_check
from webhook_server.libs.rules.labels import VERIFIED, is_label_enabled
from webhook_server.libs.rules.verified import VerifiedCheckState
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp


async def _verified(run: CommandRun) -> None:
    labels = LabelService.of(run.webhook)
    if run.command.is_cancel:
        await labels.remove(VERIFIED)
        state = VerifiedCheckState.QUEUED
    else:
        await labels.add(VERIFIED)
        state = VerifiedCheckState.SUCCESS
    if run.config.verified_job:
        await set_verified_check(run.webhook, run.pull.head_sha, state)
    request_evaluation(run.webhook)


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    if not is_label_enabled(VERIFIED, label_categories(config)):
        return ()
    return (
        CommandHelp("/verified", "Mark this PR as verified", CommandGroup.PR_STATUS),
        CommandHelp("/verified cancel", "Remove the verification", CommandGroup.PR_STATUS),
        CommandHelp("/verified [cancel]", "Add or remove the `verified` label", CommandGroup.LABELS),
    )


VERIFIED_COMMAND = CommandSpec(
    name="verified",
    permission=PermissionClass.PR_AUTHOR_OR_VALID_USER,
    argument=ArgumentRule.OPTIONAL,
    effect=_verified,
    help_lines=_help,
    label=VERIFIED,
)
