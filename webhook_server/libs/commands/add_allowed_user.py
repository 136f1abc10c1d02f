"""`/add-allowed-user @<login>`: the comment itself grants `<login>` command rights on this PR (`commands.md` §2).

**Beyond**: only maintainers and repository approvers may grant, and the reply says whether the grant counts.
"""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.rules.commands import granted_logins, login_argument
from webhook_server.libs.rules.logins import contains_login
from webhook_server.libs.rules.welcome import CommandHelp


async def _add_allowed_user(run: CommandRun) -> None:
    login = login_argument(run.command.args)
    if contains_login(granted_logins(run.comment.body), login):
        await run.reply(f"{login} is now allowed to run commands")
        return
    await run.reply(
        f"{login} was not granted: the grant counts only when a line of the comment is exactly "
        f"`/add-allowed-user @{login}`."
    )


def _denied(run: CommandRun) -> str:
    return f"@{run.commenter}, only maintainers and approvers can use `/add-allowed-user`."


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    return (CommandHelp("/add-allowed-user @<login>", "(maintainers and approvers) let a user run commands here"),)


ADD_ALLOWED_USER_COMMAND = CommandSpec(
    name="add-allowed-user",
    permission=PermissionClass.MAINTAINER_OR_REPOSITORY_APPROVER,
    argument=ArgumentRule.REQUIRED,
    effect=_add_allowed_user,
    help_lines=_help,
    denied_reply=_denied,
)
