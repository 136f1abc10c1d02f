"""`/regenerate-welcome`: rebuild the welcome comment (re-reading the extra-info file), editing the existing
one or posting it when missing (valid user)."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.pr.workflow import ensure_welcome_comment
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp


async def _regenerate_welcome(run: CommandRun) -> None:
    await ensure_welcome_comment(run.webhook, regenerate=True)


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    return (CommandHelp("/regenerate-welcome", "Rebuild the welcome comment", CommandGroup.PR_STATUS),)


REGENERATE_WELCOME_COMMAND = CommandSpec(
    name="regenerate-welcome",
    permission=PermissionClass.VALID_USER,
    argument=ArgumentRule.NONE,
    effect=_regenerate_welcome,
    help_lines=_help,
)
