"""Run the commands of one comment in order (`commands.md` §1, §4, §6): draft rule, disabled label, argument
rule, permission, then the `+1` reaction (once per comment) and the effect. One valid-user refusal and one
unknown-command reply per comment; a failing command is reported and the others still run."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from webhook_server.libs.commands.context import CommandRun, CommentFacts, command_access
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import CommandAccess, Verdict
from webhook_server.libs.commands.registry import COMMANDS_BY_NAME
from webhook_server.libs.config.rule_inputs import label_categories
from webhook_server.libs.pr.comments import add_reaction, reply_once
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.rules.commands import (
    DraftVerdict,
    draft_refusal_reply,
    draft_verdict,
    missing_argument_reply,
    parse_commands,
    unknown_command_words,
    unknown_commands_reply,
)
from webhook_server.libs.rules.labels import is_label_enabled

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

STEP_NAME = "issue_comment_handler"
REACTION = "+1"


@dataclass
class _CommentState:
    """What one comment has done so far."""

    reacted: bool = False
    valid_user_refused: bool = False
    failures: list[tuple[BaseException, str]] = field(default_factory=list)


def label_disabled_reply(label: str) -> str:
    return f"The `{label}` label is disabled for this repository."


def command_failed_reply(command_name: str, hook_id: str) -> str:
    return f"Command `/{command_name}` failed; see the server logs (delivery {hook_id})."


async def run_comment_commands(
    webhook: GithubWebhook, comment: CommentFacts, pull: PullSnapshot, bot_login: str | None
) -> None:
    """Every command line of `comment`, one after another, inside the `issue_comment_handler` step."""
    commands = parse_commands(comment.body)
    ctx = webhook.ctx
    step_key = ctx.start_step(STEP_NAME, commands=[command.name for command in commands])
    access = command_access(webhook, pull, bot_login)
    state = _CommentState()
    for command in commands:
        spec = COMMANDS_BY_NAME.get(command.name)
        if spec is None:
            continue
        run = CommandRun(webhook=webhook, command=command, comment=comment, pull=pull, access=access)
        try:
            await _run_one(spec, run, state)
        except Exception as error:
            LOGGER.exception("Command /%s failed", command.name)
            state.failures.append((error, traceback.format_exc()))
            await reply_once(webhook, comment.comment_id, command_failed_reply(command.name, ctx.hook_id))
    unknown = unknown_command_words(commands, COMMANDS_BY_NAME)
    if unknown:
        await reply_once(webhook, comment.comment_id, unknown_commands_reply(unknown, COMMANDS_BY_NAME))
    if state.failures:
        first_error, first_traceback = state.failures[0]
        ctx.fail_step(step_key, first_error, first_traceback, failed_commands=len(state.failures))
    else:
        ctx.complete_step(step_key)


@dataclass(frozen=True)
class _Refusal:
    """Why a command does not run; `reply` None means silently (ignored on a draft, or already answered)."""

    reply: str | None


_SILENT = _Refusal(None)


def _answer(reply: str | None) -> _Refusal | None:
    return None if reply is None else _Refusal(reply)


async def _run_one(spec: CommandSpec, run: CommandRun, state: _CommentState) -> None:
    refusal = await _refusal(spec, run, state)
    if refusal is not None:
        if refusal.reply is not None:
            await run.reply(refusal.reply)
        return
    if spec.acknowledge and not state.reacted:
        await add_reaction(run.webhook, run.comment.comment_id, REACTION)
        state.reacted = True
    LOGGER.info("Running /%s for %s", spec.name, run.commenter)
    await spec.effect(run)


async def _refusal(spec: CommandSpec, run: CommandRun, state: _CommentState) -> _Refusal | None:
    """Why the command does not run, or None when it may run (checks in the order of `CommandSpec`)."""
    refusal = _draft_refusal(spec, run) or await _argument_refusal(spec, run)
    if refusal is None:
        refusal = await _permission_refusal(spec, run, run.access, state)
    if refusal is None and spec.precondition is not None:
        refusal = _answer(await spec.precondition(run))
    return refusal


async def _argument_refusal(spec: CommandSpec, run: CommandRun) -> _Refusal | None:
    """A disabled label category, a missing argument, or the command's own argument check."""
    if spec.label is not None and not is_label_enabled(spec.label, label_categories(run.config)):
        return _Refusal(label_disabled_reply(spec.label))
    if spec.argument is ArgumentRule.REQUIRED and not run.command.args.strip():
        return _Refusal(missing_argument_reply(spec.name))
    if spec.validate is not None:
        return _answer(await spec.validate(run))
    return None


def _draft_refusal(spec: CommandSpec, run: CommandRun) -> _Refusal | None:
    if not run.pull.draft or spec.draft_exempt:
        return None
    allow_list = run.config.allow_commands_on_draft_prs
    verdict = draft_verdict(spec.name, allow_list)
    if verdict is DraftVerdict.IGNORED:
        LOGGER.debug("Ignoring /%s on a draft PR", spec.name)
        return _SILENT
    if verdict is DraftVerdict.REFUSED:
        assert allow_list is not None
        return _Refusal(draft_refusal_reply(spec.name, allow_list))
    return None


async def _permission_refusal(
    spec: CommandSpec, run: CommandRun, access: CommandAccess, state: _CommentState
) -> _Refusal | None:
    verdict = await access.verdict(spec.permission, run.commenter)
    if verdict is Verdict.ALLOWED:
        return None
    if verdict is Verdict.NOT_VALID_USER:
        if state.valid_user_refused:
            return _SILENT
        state.valid_user_refused = True
        return _Refusal(await access.valid_user_refusal(run.commenter))
    assert spec.denied_reply is not None, f"/{spec.name} can be denied, so its entry says who may run it"
    return _Refusal(spec.denied_reply(run))
