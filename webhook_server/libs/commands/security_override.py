"""`/security-override` and `/security-override cancel` (`commands.md` §5.4): a maintainer marks the enabled
security checks of the current head SHA `success`, or runs them again."""

from webhook_server.libs.commands.check_jobs import restart_checks
from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import enabled_checks
from webhook_server.libs.pr.check_runs import complete_check_run, success_result
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp

SECURITY_OVERRIDE_DENIED = "Only maintainers can use `/security-override`"
NOTHING_TO_OVERRIDE = "No security check is enabled for this repository, so there is nothing to override."
OVERRIDE_SUMMARY = "Security check overridden by maintainer"
OVERRIDE_TEXT = "This check was overridden for this commit only. Comment `/security-override cancel` to run it again."


async def _nothing_to_override(run: CommandRun) -> str | None:
    return None if enabled_checks(run.config).security_checks else NOTHING_TO_OVERRIDE


async def _security_override(run: CommandRun) -> None:
    names = enabled_checks(run.config).security_checks
    listed = ", ".join(f"`{name}`" for name in names)
    if run.command.is_cancel:
        await restart_checks(run.webhook, run.pull, names)
        await run.reply(f"The security override was removed by @{run.commenter}; running {listed} again.")
        return
    result = success_result(f"Overridden by maintainer @{run.commenter}", OVERRIDE_SUMMARY, OVERRIDE_TEXT)
    for name in names:
        await complete_check_run(run.webhook, name, run.pull.head_sha, result)
    short_sha = run.pull.head_sha[:7]
    await run.reply(
        f"Security checks {listed} were overridden by maintainer @{run.commenter} for commit `{short_sha}`."
    )
    request_evaluation(run.webhook)


def _denied(run: CommandRun) -> str:
    return SECURITY_OVERRIDE_DENIED


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    checks = enabled_checks(config)
    if not (checks.security_mandatory and checks.security_checks):
        return ()
    return (
        CommandHelp(
            "/security-override", "(maintainers) Pass the security checks for this commit", CommandGroup.PR_STATUS
        ),
        CommandHelp("/security-override cancel", "(maintainers) Run the security checks again", CommandGroup.PR_STATUS),
    )


SECURITY_OVERRIDE_COMMAND = CommandSpec(
    name="security-override",
    permission=PermissionClass.MAINTAINER,
    argument=ArgumentRule.OPTIONAL,
    effect=_security_override,
    help_lines=_help,
    precondition=_nothing_to_override,
    denied_reply=_denied,
)
