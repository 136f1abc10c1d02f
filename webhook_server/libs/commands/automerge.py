"""`/automerge` and `/automerge cancel`: add or remove the `automerge` label (maintainer or repository approver).

**Beyond**: `cancel` removes the label (the reference added it).
"""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import label_categories
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.rules.labels import AUTOMERGE, is_label_enabled
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp

AUTOMERGE_DENIED = "Only maintainers or approvers can set pull request to auto-merge"


async def _automerge(run: CommandRun) -> None:
    labels = LabelService.of(run.webhook)
    changed = await (labels.remove(AUTOMERGE) if run.command.is_cancel else labels.add(AUTOMERGE))
    if changed:
        request_evaluation(run.webhook)


def _denied(run: CommandRun) -> str:
    return AUTOMERGE_DENIED


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    if not is_label_enabled(AUTOMERGE, label_categories(config)):
        return ()
    return (
        CommandHelp("/automerge", "Merge this PR automatically once it can be merged", CommandGroup.REVIEW),
        CommandHelp("/automerge [cancel]", "Add or remove the `automerge` label", CommandGroup.LABELS),
    )


AUTOMERGE_COMMAND = CommandSpec(
    name="automerge",
    permission=PermissionClass.MAINTAINER_OR_REPOSITORY_APPROVER,
    argument=ArgumentRule.OPTIONAL,
    effect=_automerge,
    help_lines=_help,
    label=AUTOMERGE,
    denied_reply=_denied,
)
