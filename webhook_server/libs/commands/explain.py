"""`/explain` (**Beyond**, anyone, drafts too): reply with every merge requirement of the PR's current head,
its state and where it came from. Read-only: the reply is its only write (no `+1` reaction), and an
unchanged PR gets the same reply each time."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.pr.explain import explain_pull_request
from webhook_server.libs.rules.explain import render_explanation
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp


async def _explain(run: CommandRun) -> None:
    await run.reply(render_explanation(await explain_pull_request(run.webhook)))


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    return (CommandHelp("/explain", "Explain every merge requirement and where it comes from", CommandGroup.PR_STATUS),)


EXPLAIN_COMMAND = CommandSpec(
    name="explain",
    permission=PermissionClass.ANYONE,
    argument=ArgumentRule.NONE,
    effect=_explain,
    help_lines=_help,
    draft_exempt=True,
    acknowledge=False,
)
