"""The welcome comment (`pr-workflow.md` §9): built from the effective config, the command registry and the
PR's OWNERS; posted once (effects table, then the marker), or edited in place by `/regenerate-welcome`."""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from github import GithubException

from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import label_categories
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr import owners_service
from webhook_server.libs.pr.ai_title import title_ai_settings
from webhook_server.libs.pr.comments import edit_comment, effect_once, find_pr_comment, post_comment, pr_effect_key
from webhook_server.libs.pr.snapshot import PullSnapshot, pull_snapshot
from webhook_server.libs.rules.verified import is_auto_verified_user
from webhook_server.libs.rules.welcome import (
    MAX_EXTRA_INFO_BYTES,
    AiWelcomeInfo,
    SecurityWelcomeInfo,
    WelcomeContext,
    choose_extra_info,
    welcome_comment,
)
from webhook_server.libs.rules.welcome_markers import contains_welcome_marker

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

WELCOME_MESSAGE_FILE = ".github-webhook-server-welcome-message.md"
EFFECT_KIND = "welcome"


async def welcome_message_file(webhook: GithubWebhook) -> bytes | None:
    """The welcome-message file of the default branch, or None when it does not exist or is too large."""
    url = f"/repos/{webhook.repo_context.full_name}/contents/{quote(WELCOME_MESSAGE_FILE)}"
    try:
        _, data = await github_api_call(webhook.github.requester.requestJsonAndCheck, "GET", url)
    except GithubException as error:
        if error.status == 404:
            return None
        raise
    if not isinstance(data, dict) or data.get("type") != "file" or int(data.get("size", 0)) > MAX_EXTRA_INFO_BYTES:
        LOGGER.warning("%s is not a file of at most %d bytes; ignored", WELCOME_MESSAGE_FILE, MAX_EXTRA_INFO_BYTES)
        return None
    return base64.b64decode(data.get("content") or "")


def _ai_info(config: RepositoryConfig) -> AiWelcomeInfo | None:
    ai, oracle = config.ai_features, config.test_oracle
    if ai is None and oracle is None:
        return None
    title_ai = title_ai_settings(config)
    return AiWelcomeInfo(
        provider_model=f"{ai.ai_provider}/{ai.ai_model}" if ai else None,
        conventional_title_mode=title_ai[1].mode if title_ai else None,
        conflict_resolution=bool(ai and ai.resolve_cherry_pick_conflicts and ai.resolve_cherry_pick_conflicts.enabled),
        oracle_triggers=tuple(sorted(oracle.triggers)) if oracle else None,
    )


def _security_info(config: RepositoryConfig) -> SecurityWelcomeInfo:
    security = config.security_checks
    return SecurityWelcomeInfo(
        suspicious_paths=security.suspicious_paths,
        identity_check=security.committer_identity_check,
        mandatory=security.mandatory,
    )


async def build_welcome(webhook: GithubWebhook, pull: PullSnapshot) -> str:
    """The welcome text for this PR and repository (re-reads the welcome-message file)."""
    config = webhook.repo_config
    api_users = webhook.repo_context.pooled.pool.api_users
    owners = await owners_service.pr_owners(webhook)
    extra_file = await welcome_message_file(webhook)
    context = WelcomeContext(
        commands=webhook.services.command_help(config),
        label_categories=label_categories(config),
        pr_approvers=owners.approvers,
        pr_reviewers=owners.reviewers,
        author_auto_verified=is_auto_verified_user(pull.author, config.auto_verified_users, api_users),
        auto_verified_users=config.auto_verified_users,
        tracking_issue=config.create_issue_for_new_pr,
        pre_commit=config.pre_commit,
        verified_job=config.verified_job,
        minimum_lgtm=config.minimum_lgtm,
        container=config.container is not None,
        ai=_ai_info(config),
        security=_security_info(config),
        extra_info=choose_extra_info(extra_file, config.welcome_extra_info),
    )
    return welcome_comment(context)


def _is_welcome(comment: dict[str, Any]) -> bool:
    return contains_welcome_marker(comment.get("body"))


async def find_welcome_comment(webhook: GithubWebhook) -> str | None:
    """Fallback lookup: the first PR comment carrying our marker or the reference's."""
    found = await find_pr_comment(webhook, _is_welcome)
    return str(found["id"]) if found is not None else None


async def _has_no_comments(webhook: GithubWebhook) -> bool:
    """Whether the delivery's PR says it has no comments at all (then no lookup is needed)."""
    pull_request = webhook.pull_request
    assert pull_request is not None
    count: int | None = await github_api_call(lambda: pull_request.raw_data.get("comments"))
    return count == 0


async def ensure_welcome_comment(webhook: GithubWebhook, *, regenerate: bool = False) -> None:
    """Post the welcome comment if none exists; with `regenerate`, rewrite the existing one (or post it)."""
    pull = await pull_snapshot(webhook)
    key = pr_effect_key(webhook, EFFECT_KIND)
    posted_now = False

    async def create() -> str:
        nonlocal posted_now
        posted_now = True
        return str(await post_comment(webhook, await build_welcome(webhook, pull)))

    async def fallback() -> str | None:
        if await _has_no_comments(webhook):
            return None
        return await find_welcome_comment(webhook)

    comment_id = await effect_once(webhook, key, create, fallback)
    if not regenerate or posted_now:
        return
    text = await build_welcome(webhook, pull)
    try:
        await edit_comment(webhook, int(comment_id), text)
    except GithubException as error:
        if error.status != 404:
            raise
        LOGGER.info("The welcome comment %s is gone; posting a new one", comment_id)
        await webhook.services.ledger.effect_put(key, str(await post_comment(webhook, text)))
        return
    LOGGER.info("Regenerated the welcome comment %s", comment_id)
