"""`/reprocess`: nothing on a merged PR; otherwise the welcome comment and tracking issue if missing (a closed
issue is reopened), `wip` from the title, the full PR workflow and the native auto-merge evaluation."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.pr.workflow import reprocess
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp

MERGED_REPLY = "This pull request is merged; there is nothing to reprocess."


async def _not_merged(run: CommandRun) -> str | None:
    return MERGED_REPLY if run.pull.merged else None


async def _reprocess(run: CommandRun) -> None:
    await reprocess(run.webhook)


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    return (CommandHelp("/reprocess", "Run the whole pull-request workflow again", CommandGroup.PR_STATUS),)


REPROCESS_COMMAND = CommandSpec(
    name="reprocess",
    permission=PermissionClass.VALID_USER,
    argument=ArgumentRule.NONE,
    effect=_reprocess,
    help_lines=_help,
    precondition=_not_merged,
)
