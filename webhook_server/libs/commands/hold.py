"""`/hold` and `/hold cancel`: add or remove the `hold` label (PR author or PR approver)."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import label_categories
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.rules.labels import HOLD, is_label_enabled
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp


async def _hold(run: CommandRun) -> None:
    labels = LabelService.of(run.webhook)
    changed = await (labels.remove(HOLD) if run.command.is_cancel else labels.add(HOLD))
    if changed:
        request_evaluation(run.webhook)


def _denied(run: CommandRun) -> str:
    return f"@{run.commenter}, only the PR author or approvers can manage hold."


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    if not is_label_enabled(HOLD, label_categories(config)):
        return ()
    return (
        CommandHelp("/hold", "Block merging of this PR", CommandGroup.PR_STATUS),
        CommandHelp("/hold cancel", "Remove the hold", CommandGroup.PR_STATUS),
        CommandHelp("/hold [cancel]", "Add or remove the `hold` label", CommandGroup.LABELS),
    )


HOLD_COMMAND = CommandSpec(
    name="hold",
    permission=PermissionClass.PR_AUTHOR_OR_PR_APPROVER,
    argument=ArgumentRule.OPTIONAL,
    effect=_hold,
    help_lines=_help,
    label=HOLD,
    denied_reply=_denied,
)
