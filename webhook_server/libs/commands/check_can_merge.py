"""`/check-can-merge`: evaluate `can-be-merged` now, without the quiet window (valid user)."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp


async def _check_can_merge(run: CommandRun) -> None:
    request_evaluation(run.webhook, immediate=True)


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    return (CommandHelp("/check-can-merge", "Check now whether this PR can be merged", CommandGroup.REVIEW),)


CHECK_CAN_MERGE_COMMAND = CommandSpec(
    name="check-can-merge",
    permission=PermissionClass.VALID_USER,
    argument=ArgumentRule.NONE,
    effect=_check_can_merge,
    help_lines=_help,
)
