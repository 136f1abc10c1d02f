"""`/retest <check> [<check> ...]` and `/retest all` (`commands.md` §5.1): run enabled checks again on the head.

**Beyond**: `all` is matched only as a whole word, and never together with other names.
"""

from webhook_server.libs.commands.check_jobs import restart_checks
from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import enabled_checks
from webhook_server.libs.rules.checks import optional_check_names, retestable_check_names
from webhook_server.libs.rules.commands import (
    RETEST_ALL_COMBINED_REPLY,
    RetestRequest,
    parse_retest,
    retest_unknown_reply,
)
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp

NO_CHECKS_REPLY = "No checks are configured for this repository, so nothing was run."


def _request(run: CommandRun) -> RetestRequest:
    return parse_retest(run.command.args, retestable_check_names(enabled_checks(run.config)))


async def _validate(run: CommandRun) -> str | None:
    """`all` with other names, or nothing valid to run: a reply, no reaction."""
    request = _request(run)
    if request.all_combined:
        return RETEST_ALL_COMBINED_REPLY
    if request.unknown and not request.names:
        return retest_unknown_reply(request.unknown)
    if not request.names:
        return NO_CHECKS_REPLY
    return None


async def _retest(run: CommandRun) -> None:
    request = _request(run)
    if request.unknown:
        await run.reply(retest_unknown_reply(request.unknown))
    await restart_checks(run.webhook, run.pull, request.names)


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    enabled = enabled_checks(config)
    names = retestable_check_names(enabled)
    if not names:
        return ()
    optional = optional_check_names(enabled)
    lines = [
        CommandHelp(f"/retest {name}", f"Run `{name}` again" + (" (optional)" if name in optional else ""))
        for name in names
    ]
    lines.append(CommandHelp("/retest all", "Run every check again"))
    return tuple(CommandHelp(line.syntax, line.description, CommandGroup.TESTING) for line in lines)


RETEST_COMMAND = CommandSpec(
    name="retest",
    permission=PermissionClass.VALID_USER,
    argument=ArgumentRule.REQUIRED,
    effect=_retest,
    help_lines=_help,
    validate=_validate,
)
