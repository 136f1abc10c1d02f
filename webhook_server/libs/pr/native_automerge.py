"""Native GitHub auto-merge (`pr-workflow.md` §13.3): enable it when wanted, keep it off (and say so once per
head SHA) while security-sensitive paths are unreviewed, and never on AI-resolved cherry-picks."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr import owners_service
from webhook_server.libs.pr.automerge import allowed_merge_method
from webhook_server.libs.pr.comments import effect_once, find_pr_comment, post_comment, pr_effect_key
from webhook_server.libs.pr.graphql import disable_auto_merge, enable_auto_merge
from webhook_server.libs.pr.inline_checks import result_of_this_delivery
from webhook_server.libs.pr.snapshot import PullSnapshot, pull_snapshot
from webhook_server.libs.rules.automerge import (
    AUTO_MERGE_BLOCKED_PREFIX,
    MergeMethod,
    NativeAutoMergeAction,
    NativeAutoMergeDecision,
    NativeAutoMergeInputs,
    auto_merge_blocked_comment,
    decide_native_auto_merge,
)
from webhook_server.libs.rules.checks import SECURITY_SUSPICIOUS_PATHS
from webhook_server.libs.rules.logins import contains_login

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

STEP_NAME = "native_auto_merge"
EFFECT_KIND = "automerge-blocked"


async def _auto_merge_state(webhook: GithubWebhook) -> tuple[bool, str]:
    """Whether auto-merge is enabled on the PR, and the PR's GraphQL node id."""
    pull = webhook.pull_request
    assert pull is not None

    def read() -> tuple[bool, str]:
        return pull.raw_data.get("auto_merge") is not None, pull.node_id

    return await github_api_call(read)


async def suspicious_check_conclusion(webhook: GithubWebhook, head_sha: str) -> str | None:
    """The conclusion of the latest `security-suspicious-paths` run on the head SHA (None: none or not done);
    the result this delivery just wrote when it ran the check itself."""
    known = result_of_this_delivery(webhook, head_sha, SECURITY_SUSPICIOUS_PATHS)
    if known is not None:
        return known.conclusion.value
    url = (
        f"/repos/{webhook.repo_context.full_name}/commits/{head_sha}/check-runs?check_name={SECURITY_SUSPICIOUS_PATHS}"
    )
    _, data = await github_api_call(webhook.github.requester.requestJsonAndCheck, "GET", url)
    runs = sorted(data["check_runs"], key=lambda run: int(run["id"]))
    conclusion: str | None = runs[-1]["conclusion"] if runs else None
    return conclusion


async def _blocked_comment(webhook: GithubWebhook, pull: PullSnapshot, files: tuple[str, ...]) -> None:
    api_users = webhook.repo_context.pooled.pool.api_users

    def is_blocked_comment(comment: dict[str, Any]) -> bool:
        author = (comment.get("user") or {}).get("login", "")
        return contains_login(api_users, author) and str(comment.get("body", "")).startswith(AUTO_MERGE_BLOCKED_PREFIX)

    async def create() -> str:
        return str(await post_comment(webhook, auto_merge_blocked_comment(files)))

    async def fallback() -> str | None:
        found = await find_pr_comment(webhook, is_blocked_comment)
        return str(found["id"]) if found is not None else None

    await effect_once(webhook, pr_effect_key(webhook, EFFECT_KIND, pull.head_sha), create, fallback)


async def _decide(webhook: GithubWebhook, pull: PullSnapshot, enabled: bool) -> NativeAutoMergeDecision:
    config = webhook.repo_config
    prefixes = config.security_checks.suspicious_paths
    inputs = NativeAutoMergeInputs(
        base_ref=pull.base_ref,
        author=pull.author,
        labels=tuple(sorted(pull.labels)),
        currently_enabled=enabled,
        changed_files=await owners_service.changed_files(webhook) if prefixes else (),
        set_auto_merge_prs=config.set_auto_merge_prs,
        auto_verified_users=config.auto_verified_users,
        api_users=webhook.repo_context.pooled.pool.api_users,
        suspicious_prefixes=prefixes,
        suspicious_check_conclusion=await suspicious_check_conclusion(webhook, pull.head_sha) if prefixes else None,
    )
    return decide_native_auto_merge(inputs)


async def evaluate_native_auto_merge(webhook: GithubWebhook) -> NativeAutoMergeAction:
    """Apply §13.3 to the delivery's PR; returns what was done."""
    pull = await pull_snapshot(webhook)
    enabled, node_id = await _auto_merge_state(webhook)
    decision = await _decide(webhook, pull, enabled)
    if decision.blocked_files:
        await _blocked_comment(webhook, pull, decision.blocked_files)
    if decision.action is NativeAutoMergeAction.DISABLE:
        await disable_auto_merge(webhook, node_id)
        LOGGER.info("Disabled auto-merge (%s)", decision.reason)
    elif decision.action is NativeAutoMergeAction.ENABLE:
        method = await allowed_merge_method(webhook) or MergeMethod.SQUASH
        await enable_auto_merge(webhook, node_id, method)
        LOGGER.info("Enabled auto-merge with %s", method.graphql_name)
    return decision.action
