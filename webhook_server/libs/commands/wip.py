"""`/wip` and `/wip cancel` (`commands.md` §5.2): the `wip` label and the `WIP:` title prefix."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import label_categories
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.rules.label_changes import title_after_wip, title_after_wip_cancel
from webhook_server.libs.rules.labels import WIP, is_label_enabled
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp


async def _set_title(run: CommandRun, title: str) -> None:
    pull = run.webhook.pull_request
    assert pull is not None
    await github_api_call(pull.edit, title=title)


async def _wip(run: CommandRun) -> None:
    labels = LabelService.of(run.webhook)
    if run.command.is_cancel:
        changed = await labels.remove(WIP)
        new_title = title_after_wip_cancel(run.pull.title) if changed else None
    else:
        changed = await labels.add(WIP)
        new_title = title_after_wip(run.pull.title) if changed else None
    if new_title is not None:
        await _set_title(run, new_title)
    if changed:
        request_evaluation(run.webhook)


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    if not is_label_enabled(WIP, label_categories(config)):
        return ()
    return (
        CommandHelp("/wip", "Mark this PR as work in progress (adds `WIP:` to the title)", CommandGroup.PR_STATUS),
        CommandHelp("/wip cancel", "Remove the work-in-progress mark and the `WIP:` prefix", CommandGroup.PR_STATUS),
        CommandHelp("/wip [cancel]", "Add or remove the `wip` label", CommandGroup.LABELS),
    )


WIP_COMMAND = CommandSpec(
    name="wip",
    permission=PermissionClass.PR_AUTHOR_OR_VALID_USER,
    argument=ArgumentRule.OPTIONAL,
    effect=_wip,
    help_lines=_help,
    label=WIP,
)
