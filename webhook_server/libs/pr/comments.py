"""PR comments and reactions as the API user, and `effect_once`: side effects recorded in the ledger's
effects table so they are never repeated (`intake.md` §4.4)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from webhook_server.libs.github.api_call import github_api_call

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

REPLY_MARKER_PREFIX = "webhook-server-reply: "


def _pr_number(webhook: GithubWebhook) -> int:
    assert webhook.pull_request is not None, "a PR comment needs a delivery with a resolved PR"
    return webhook.pull_request.number


async def _rest(webhook: GithubWebhook, verb: str, url: str, body: Any = None) -> Any:
    requester = webhook.github.requester
    _, data = await github_api_call(requester.requestJsonAndCheck, verb, url, input=body)
    return data


async def post_issue_comment(webhook: GithubWebhook, number: int, body: str) -> int:
    """Comment on issue or PR `number` of the delivery's repository; returns the comment id."""
    data = await _rest(
        webhook, "POST", f"/repos/{webhook.repo_context.full_name}/issues/{number}/comments", {"body": body}
    )
    comment_id: int = data["id"]
    return comment_id


async def post_comment(webhook: GithubWebhook, body: str) -> int:
    """Comment on the delivery's PR as the API user; returns the comment id."""
    return await post_issue_comment(webhook, _pr_number(webhook), body)


async def edit_comment(webhook: GithubWebhook, comment_id: int, body: str) -> None:
    """Replace the body of an issue/PR comment."""
    await _rest(
        webhook, "PATCH", f"/repos/{webhook.repo_context.full_name}/issues/comments/{comment_id}", {"body": body}
    )


async def add_reaction(webhook: GithubWebhook, comment_id: int, content: str = "+1") -> None:
    """React to an issue/PR comment (GitHub answers an existing identical reaction with 200, so it is idempotent)."""
    url = f"/repos/{webhook.repo_context.full_name}/issues/comments/{comment_id}/reactions"
    await _rest(webhook, "POST", url, {"content": content})


async def find_pr_comment(webhook: GithubWebhook, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    """The first comment of the delivery's PR (oldest first) for which `matches` is true, or None."""
    url = f"/repos/{webhook.repo_context.full_name}/issues/{_pr_number(webhook)}/comments"
    page = 1
    while True:
        data = await _rest(webhook, "GET", f"{url}?per_page=100&page={page}")
        found = next((comment for comment in data if matches(comment)), None)
        if found is not None or len(data) < 100:
            return found
        page += 1


def pr_effect_key(webhook: GithubWebhook, kind: str, suffix: str | None = None) -> str:
    """An effects-table key `<kind>:<repo>#<pr>[:<suffix>]` for the delivery's PR."""
    key = f"{kind}:{webhook.repo_context.full_name}#{_pr_number(webhook)}"
    return f"{key}:{suffix}" if suffix is not None else key


async def effect_once(
    webhook: GithubWebhook,
    key: str,
    create: Callable[[], Awaitable[str]],
    fallback: Callable[[], Awaitable[str | None]] | None = None,
) -> str:
    """Perform a side effect at most once: the recorded value if any, else the fallback lookup's value
    (then recorded), else `create()` (then recorded). Returns the value (for example a comment id)."""
    ledger = webhook.services.ledger
    recorded = await ledger.effect_get(key)
    if recorded is not None:
        LOGGER.debug("Effect %s already done (%s)", key, recorded)
        return recorded
    if fallback is not None:
        found = await fallback()
        if found is not None:
            LOGGER.debug("Effect %s found by fallback lookup (%s)", key, found)
            await ledger.effect_put(key, found)
            return found
    value = await create()
    await ledger.effect_put(key, value)
    return value


async def effect_recorded(webhook: GithubWebhook, key: str) -> str | None:
    """The recorded value of an effect, or None."""
    return await webhook.services.ledger.effect_get(key)


def reply_identity(comment_id: int, body: str) -> str:
    """`<comment id>:<digest of the reply>`: which comment a reply answers and what it says."""
    return f"{comment_id}:{hashlib.sha256(body.encode('utf-8')).hexdigest()[:16]}"


async def reply_once(webhook: GithubWebhook, comment_id: int, body: str) -> None:
    """Answer a comment with `body` at most once, even when the delivery is processed again after a
    restart: the effects table first, then (when the process died between posting and recording) the
    reply found on the PR by its hidden marker."""
    identity = reply_identity(comment_id, body)
    key = pr_effect_key(webhook, "comment-reply", identity)
    marker = f"<!-- {REPLY_MARKER_PREFIX}{identity} -->"  # hidden when rendered

    async def post() -> str:
        return str(await post_comment(webhook, f"{body}\n\n{marker}"))

    async def find_posted() -> str | None:
        found = await find_pr_comment(webhook, lambda comment: marker in str(comment.get("body") or ""))
        return None if found is None else str(found["id"])

    await effect_once(webhook, key, post, find_posted)
