"""`/rebase` (`release.md` §2): checks that the PR is open and not from a fork, then queues the rebase job
(rebase onto the base, `--force-with-lease` push, a comment for every ending)."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.release.rebase import request_rebase
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp

NOT_OPEN_REPLY = "Only an open pull request can be rebased."
FORK_REPLY = "Pull requests from forks cannot be rebased by the server."


async def _rebasable(run: CommandRun) -> str | None:
    if not run.pull.is_open:
        return NOT_OPEN_REPLY
    if (
        run.pull.head_repo_full_name is None
        or run.pull.head_repo_full_name.casefold() != run.config.full_name.casefold()
    ):
        return FORK_REPLY
    return None


async def _rebase(run: CommandRun) -> None:
    job_id = await request_rebase(run.webhook, run.pull, run.config)
    if job_id is None:
        await run.reply(f"A rebase of `{run.pull.head_ref}` is already running.")


def _denied(run: CommandRun) -> str:
    return f"@{run.commenter}, only the PR author or a maintainer can use `/rebase` on this pull request."


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    return (CommandHelp("/rebase", "Rebase this PR onto its base branch", CommandGroup.BRANCH),)


REBASE_COMMAND = CommandSpec(
    name="rebase",
    permission=PermissionClass.REBASER,
    argument=ArgumentRule.NONE,
    effect=_rebase,
    help_lines=_help,
    validate=_rebasable,
    denied_reply=_denied,
)
