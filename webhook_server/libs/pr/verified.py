"""The `verified` item of the full PR workflow (`pr-workflow.md` §11.1): label and check run in normal
mode, the check alone in clean-rebase mode; nothing at all with `verified-job: false`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from webhook_server.libs.pr.check_runs import complete_check_run, success_result, write_check_run
from webhook_server.libs.pr.comments import effect_recorded
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.rules.checks import VERIFIED as VERIFIED_CHECK
from webhook_server.libs.rules.checks import CheckStatus
from webhook_server.libs.rules.labels import VERIFIED
from webhook_server.libs.rules.logins import same_login
from webhook_server.libs.rules.verified import (
    VerifiedCheckState,
    VerifiedInputs,
    clean_rebase_verified_check,
    decide_verified,
)

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

CHERRY_PICK_BRANCH_EFFECT = "cherry-pick-branch"


def cherry_pick_branch_key(full_name: str, branch: str) -> str:
    """Effects key of the cherry-pick record by the new PR's head branch (written by the cherry-pick job
    before the PR exists, so the new PR's own delivery can recognise it)."""
    return f"{CHERRY_PICK_BRANCH_EFFECT}:{full_name}:{branch}"


async def has_cherry_pick_record(webhook: GithubWebhook, pull: PullSnapshot) -> bool:
    """Whether the effects table says our cherry-pick job created this PR's head branch."""
    key = cherry_pick_branch_key(webhook.repo_context.full_name, pull.head_ref)
    return await effect_recorded(webhook, key) is not None


async def set_verified_check(webhook: GithubWebhook, head_sha: str, state: VerifiedCheckState) -> None:
    """Write the `verified` check run: `success` when verified, else `queued`."""
    if state is VerifiedCheckState.SUCCESS:
        result = success_result("Verified", "The pull request is verified")
        await complete_check_run(webhook, VERIFIED_CHECK, head_sha, result)
    else:
        await write_check_run(webhook, VERIFIED_CHECK, head_sha, CheckStatus.QUEUED)


async def apply_verified(
    webhook: GithubWebhook, pull: PullSnapshot, labels: LabelService, *, clean_rebase: bool
) -> None:
    """Normal mode: decide from the §11.1 table and set label and check. Clean-rebase mode: the check
    mirrors the label, which is left alone."""
    config = webhook.repo_config
    if not config.verified_job:
        return
    current = await labels.current()
    if clean_rebase:
        await set_verified_check(webhook, pull.head_sha, clean_rebase_verified_check(current))
        return
    bot_login = await webhook.repo_context.app.bot_login() if webhook.repo_context.app else None
    decision = decide_verified(
        VerifiedInputs(
            labels=tuple(sorted(current)),
            author=pull.author,
            auto_verified_users=config.auto_verified_users,
            api_users=webhook.repo_context.pooled.pool.api_users,
            cherry_pick_record=await has_cherry_pick_record(webhook, pull),
            author_is_our_bot=bot_login is not None and same_login(pull.author, bot_login),
            auto_verify_cherry_picked=config.auto_verify_cherry_picked_prs,
        )
    )
    LOGGER.debug("verified: %s (%s)", decision.label_present, decision.reason)
    if decision.label_present:
        await labels.add(VERIFIED)
    else:
        await labels.remove(VERIFIED)
    await set_verified_check(webhook, pull.head_sha, decision.check)
