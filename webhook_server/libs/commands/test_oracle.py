"""`/test-oracle`: ask the test oracle to analyse this PR now, ignoring `triggers` (valid user; allowed on drafts)."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.pr.test_oracle import request_test_oracle
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp

NOT_CONFIGURED_REPLY = "Test oracle is not configured for this repository."


async def _not_configured(run: CommandRun) -> str | None:
    return NOT_CONFIGURED_REPLY if run.config.test_oracle is None else None


async def _test_oracle(run: CommandRun) -> None:
    await request_test_oracle(run.webhook)


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    if config.test_oracle is None:
        return ()
    return (CommandHelp("/test-oracle", "Ask the test oracle to analyse this PR now", CommandGroup.TESTING),)


TEST_ORACLE_COMMAND = CommandSpec(
    name="test-oracle",
    permission=PermissionClass.VALID_USER,
    argument=ArgumentRule.NONE,
    effect=_test_oracle,
    help_lines=_help,
    draft_exempt=True,
    precondition=_not_configured,
)
