"""The shape of a registry entry (`commands.md` §3): name, argument rule, permission class, effect and help."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.rules.welcome import CommandHelp

if TYPE_CHECKING:
    from webhook_server.libs.commands.context import CommandRun


class ArgumentRule(StrEnum):
    """What a command expects after its word (`commands.md` §3, §6)."""

    NONE = "none"  # any argument text is ignored
    REQUIRED = "required"  # `<command> requires an argument` when empty
    OPTIONAL = "optional"  # `cancel`, build arguments, or nothing


Effect = Callable[["CommandRun"], Awaitable[None]]
Check = Callable[["CommandRun"], Awaitable[str | None]]
HelpLines = Callable[[RepositoryConfig], tuple[CommandHelp, ...]]
DeniedReply = Callable[["CommandRun"], str]


@dataclass(frozen=True)
class CommandSpec:
    """One registry entry.

    Order of checks for one command line (`commands.md` §4, §6): draft rule, disabled label, argument rule
    and `validate`, permission class, `precondition`; only then the `+1` reaction and the `effect`.
    `validate` and `precondition` return a refusal reply, or None to go on. `denied_reply` is required when
    the permission class can deny (every class except `anyone` and the valid-user ones, which get the
    once-per-comment valid-user reply). `acknowledge=False` skips the `+1` reaction (read-only commands).
    """

    name: str
    permission: PermissionClass
    argument: ArgumentRule
    effect: Effect
    help_lines: HelpLines
    label: str | None = None
    draft_exempt: bool = False
    validate: Check | None = None
    precondition: Check | None = None
    denied_reply: DeniedReply | None = None
    acknowledge: bool = True
