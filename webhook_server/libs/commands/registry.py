"""The command registry (`commands.md` §3): every comment command, in help order. The single source for
parsing, permissions, `/help` and the welcome comment's command section."""

from collections.abc import Mapping

from webhook_server.libs.commands.add_allowed_user import ADD_ALLOWED_USER_COMMAND
from webhook_server.libs.commands.approve import APPROVE_COMMAND
from webhook_server.libs.commands.assign_reviewers import ASSIGN_REVIEWER_COMMAND, ASSIGN_REVIEWERS_COMMAND
from webhook_server.libs.commands.automerge import AUTOMERGE_COMMAND
from webhook_server.libs.commands.build_and_push_container import BUILD_AND_PUSH_CONTAINER_COMMAND
from webhook_server.libs.commands.check_can_merge import CHECK_CAN_MERGE_COMMAND
from webhook_server.libs.commands.cherry_pick import CHERRY_PICK_COMMAND
from webhook_server.libs.commands.cherry_pick_retry import CHERRY_PICK_RETRY_COMMAND
from webhook_server.libs.commands.explain import EXPLAIN_COMMAND
from webhook_server.libs.commands.help import help_command
from webhook_server.libs.commands.hold import HOLD_COMMAND
from webhook_server.libs.commands.lgtm import LGTM_COMMAND
from webhook_server.libs.commands.model import CommandSpec
from webhook_server.libs.commands.rebase import REBASE_COMMAND
from webhook_server.libs.commands.regenerate_welcome import REGENERATE_WELCOME_COMMAND
from webhook_server.libs.commands.reprocess import REPROCESS_COMMAND
from webhook_server.libs.commands.retest import RETEST_COMMAND
from webhook_server.libs.commands.security_override import SECURITY_OVERRIDE_COMMAND
from webhook_server.libs.commands.test_oracle import TEST_ORACLE_COMMAND
from webhook_server.libs.commands.verified import VERIFIED_COMMAND
from webhook_server.libs.commands.wip import WIP_COMMAND
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.rules.welcome import CommandHelp


def visible_command_help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    """The help lines that apply to a repository, in registry order (grouped when rendered)."""
    return tuple(line for spec in COMMANDS for line in spec.help_lines(config))


COMMANDS: tuple[CommandSpec, ...] = (
    WIP_COMMAND,
    HOLD_COMMAND,
    VERIFIED_COMMAND,
    REPROCESS_COMMAND,
    REGENERATE_WELCOME_COMMAND,
    SECURITY_OVERRIDE_COMMAND,
    LGTM_COMMAND,
    APPROVE_COMMAND,
    ASSIGN_REVIEWERS_COMMAND,
    ASSIGN_REVIEWER_COMMAND,
    CHECK_CAN_MERGE_COMMAND,
    EXPLAIN_COMMAND,
    AUTOMERGE_COMMAND,
    RETEST_COMMAND,
    TEST_ORACLE_COMMAND,
    BUILD_AND_PUSH_CONTAINER_COMMAND,
    CHERRY_PICK_COMMAND,
    CHERRY_PICK_RETRY_COMMAND,
    REBASE_COMMAND,
    ADD_ALLOWED_USER_COMMAND,
    help_command(visible_command_help),
)

COMMANDS_BY_NAME: Mapping[str, CommandSpec] = {spec.name: spec for spec in COMMANDS}


def command_named(name: str) -> CommandSpec | None:
    """The registry entry of a command word (case-sensitive), or None for an unknown word."""
    return COMMANDS_BY_NAME.get(name)
