"""`/approve` and `/approve cancel`: the commenter's `approved-<user>` label (PR approver or root approver).

The non-cancel form fires the test-oracle trigger `approved`, only when the label was actually applied.
"""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.pr.test_oracle import APPROVED_TRIGGER, trigger_test_oracle
from webhook_server.libs.rules.labels import APPROVED_PREFIX, CHANGES_REQUESTED_PREFIX
from webhook_server.libs.rules.logins import normalize_login
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp


async def _approve(run: CommandRun) -> None:
    login = normalize_login(run.commenter)
    labels = LabelService.of(run.webhook)
    if run.command.is_cancel:
        await labels.remove(f"{APPROVED_PREFIX}{login}")
    else:
        await labels.remove(f"{CHANGES_REQUESTED_PREFIX}{login}")
        if await labels.add(f"{APPROVED_PREFIX}{login}"):
            await trigger_test_oracle(run.webhook, APPROVED_TRIGGER)
    request_evaluation(run.webhook)


def _denied(run: CommandRun) -> str:
    return f"@{run.commenter}, only approvers of this pull request can use `/approve`."


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    return (
        CommandHelp("/approve", "Approve this PR as an approver (`/approve cancel` withdraws it)", CommandGroup.REVIEW),
        CommandHelp("/approve [cancel]", "Add or remove your `approved-<user>` label", CommandGroup.LABELS),
    )


APPROVE_COMMAND = CommandSpec(
    name="approve",
    permission=PermissionClass.PR_APPROVER,
    argument=ArgumentRule.OPTIONAL,
    effect=_approve,
    help_lines=_help,
    denied_reply=_denied,
)
