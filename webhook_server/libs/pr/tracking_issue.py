"""The tracking issue of a PR (`pr-workflow.md` §10): created once (effects table, then a lookup by exact
body), reopened on `reopened`/`/reprocess`, commented on and closed when the PR closes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from github import GithubException

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr.comments import effect_once, effect_recorded, post_issue_comment, pr_effect_key
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.rules.verified import is_auto_verified_user
from webhook_server.libs.rules.welcome import (
    tracking_issue_body,
    tracking_issue_closing_comment,
    tracking_issue_title,
)

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

EFFECT_KIND = "tracking-issue"


async def _rest(webhook: GithubWebhook, verb: str, url: str, body: Any = None) -> Any:
    _, data = await github_api_call(webhook.github.requester.requestJsonAndCheck, verb, url, input=body)
    return data


def _issues_path(webhook: GithubWebhook) -> str:
    return f"/repos/{webhook.repo_context.full_name}/issues"


def wants_tracking_issue(webhook: GithubWebhook, pull: PullSnapshot) -> bool:
    """`create-issue-for-new-pr` is on and the author is not auto-verified."""
    config = webhook.repo_config
    api_users = webhook.repo_context.pooled.pool.api_users
    return config.create_issue_for_new_pr and not is_auto_verified_user(
        pull.author, config.auto_verified_users, api_users
    )


async def find_tracking_issue(webhook: GithubWebhook, pull: PullSnapshot) -> str | None:
    """Fallback lookup: an issue (any state) created by an API user whose body is the exact tracking body."""
    body = tracking_issue_body(pull.number)
    for creator in webhook.repo_context.pooled.pool.api_users:
        page = 1
        while True:
            url = f"{_issues_path(webhook)}?state=all&creator={creator}&per_page=100&page={page}"
            issues = await _rest(webhook, "GET", url)
            found = next((item for item in issues if "pull_request" not in item and item.get("body") == body), None)
            if found is not None:
                return str(found["number"])
            if len(issues) < 100:
                break
            page += 1
    return None


async def _create(webhook: GithubWebhook, pull: PullSnapshot) -> str:
    """Create the issue already assigned to the PR author (one request); when GitHub refuses the assignee
    (422), create it unassigned and log the failure."""
    fields = {"title": tracking_issue_title(pull.title, pull.number), "body": tracking_issue_body(pull.number)}
    try:
        issue = await _rest(webhook, "POST", _issues_path(webhook), {**fields, "assignees": [pull.author]})
    except GithubException as error:
        if error.status != 422:
            raise
        LOGGER.warning("Could not assign the tracking issue to %s: %s", pull.author, error.status)
        issue = await _rest(webhook, "POST", _issues_path(webhook), fields)
    number = int(issue["number"])
    LOGGER.info("Created tracking issue #%d", number)
    return str(number)


async def ensure_tracking_issue(webhook: GithubWebhook, pull: PullSnapshot, *, reopen: bool) -> int | None:
    """Create the tracking issue if none exists; with `reopen`, reopen it when it is closed."""
    if not wants_tracking_issue(webhook, pull):
        return None

    async def create() -> str:
        return await _create(webhook, pull)

    async def fallback() -> str | None:
        return await find_tracking_issue(webhook, pull)

    number = int(await effect_once(webhook, pr_effect_key(webhook, EFFECT_KIND), create, fallback))
    if reopen:
        issue = await _rest(webhook, "GET", f"{_issues_path(webhook)}/{number}")
        if issue["state"] == "closed":
            await _rest(webhook, "PATCH", f"{_issues_path(webhook)}/{number}", {"state": "open"})
            LOGGER.info("Reopened tracking issue #%d", number)
    return number


async def close_tracking_issue(webhook: GithubWebhook, pull: PullSnapshot) -> int | None:
    """Comment on the tracking issue (number, title, merged or closed) and close it, if there is one."""
    key = pr_effect_key(webhook, EFFECT_KIND)
    recorded = await effect_recorded(webhook, key) or await find_tracking_issue(webhook, pull)
    if recorded is None:
        return None
    number = int(recorded)
    issue = await _rest(webhook, "GET", f"{_issues_path(webhook)}/{number}")
    if issue["state"] == "closed":
        return number
    await post_issue_comment(webhook, number, tracking_issue_closing_comment(pull.number, pull.title, pull.merged))
    await _rest(webhook, "PATCH", f"{_issues_path(webhook)}/{number}", {"state": "closed"})
    LOGGER.info("Closed tracking issue #%d", number)
    return number
