"""`/help` (**Beyond**): reply with the command list of this PR — the welcome comment's command section."""

from collections.abc import Callable

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.rules.welcome import CommandHelp, render_command_section

CommandList = Callable[[RepositoryConfig], tuple[CommandHelp, ...]]


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    return (CommandHelp("/help", "Show this list of commands"),)


def help_command(command_list: CommandList) -> CommandSpec:
    """The `/help` entry; `command_list` is the registry's visible help of a repository."""

    async def reply_with_commands(run: CommandRun) -> None:
        await run.reply(render_command_section(command_list(run.config)))

    return CommandSpec(
        name="help",
        permission=PermissionClass.ANYONE,
        argument=ArgumentRule.NONE,
        effect=reply_with_commands,
        help_lines=_help,
        draft_exempt=True,
    )
