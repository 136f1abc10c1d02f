"""Reviewers and assignee of a PR (`pr-workflow.md` §8): request only missing OWNERS reviewers in one call,
comment once per refused reviewer, and assign the author (else the first root approver)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from github import GithubException

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr import owners_service
from webhook_server.libs.pr.comments import effect_once, post_comment, pr_effect_key
from webhook_server.libs.pr.snapshot import PullSnapshot, pull_snapshot
from webhook_server.libs.rules.logins import contains_login
from webhook_server.libs.rules.owners import assignee_candidates, reviewers_to_request

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

JUST_OPENED = timedelta(seconds=60)


async def _rest(webhook: GithubWebhook, verb: str, url: str, body: Any = None) -> Any:
    _, data = await github_api_call(webhook.github.requester.requestJsonAndCheck, verb, url, input=body)
    return data


def _pull_path(webhook: GithubWebhook, number: int) -> str:
    return f"/repos/{webhook.repo_context.full_name}/pulls/{number}"


async def _review_state(webhook: GithubWebhook, number: int) -> tuple[list[str], list[str]]:
    """Logins that already reviewed, and logins already requested (from the delivery's PR, no request).

    A PR opened less than a minute ago has no reviews yet (its reviewers are being requested right now), so
    its `opened` delivery does not list them."""
    pull_request = webhook.pull_request
    assert pull_request is not None
    requested, created_at = await github_api_call(
        lambda: ([user.login for user in pull_request.requested_reviewers], pull_request.created_at)
    )
    just_opened = datetime.now(UTC) - created_at < JUST_OPENED
    if webhook.event == "pull_request" and webhook.action == "opened" and just_opened:
        return [], requested
    reviews = await _rest(webhook, "GET", f"{_pull_path(webhook, number)}/reviews?per_page=100")
    return [review["user"]["login"] for review in reviews if review.get("user")], requested


async def _request(webhook: GithubWebhook, number: int, logins: list[str]) -> None:
    await _rest(webhook, "POST", f"{_pull_path(webhook, number)}/requested_reviewers", {"reviewers": logins})


async def _report_refusal(webhook: GithubWebhook, login: str, error: GithubException) -> None:
    message = (error.data or {}).get("message", str(error)) if isinstance(error.data, dict) else str(error)

    async def comment() -> str:
        body = f"Could not request a review from @{login}: {message}"
        return str(await post_comment(webhook, body))

    await effect_once(webhook, pr_effect_key(webhook, "reviewer-failure", login), comment)


async def request_reviewers(webhook: GithubWebhook) -> tuple[str, ...]:
    """Ask the PR reviewers who have neither reviewed nor been requested; returns who was requested."""
    pull = await pull_snapshot(webhook)
    owners = await owners_service.pr_owners(webhook)
    reviewed, requested = await _review_state(webhook, pull.number)
    wanted = list(reviewers_to_request(owners.reviewers, pull.author, reviewed, requested))
    if not wanted:
        return ()
    try:
        await _request(webhook, pull.number, wanted)
        LOGGER.info("Requested reviews from %s", ", ".join(wanted))
        return tuple(wanted)
    except GithubException as error:
        LOGGER.warning("Review request for %s refused (%s); requesting one by one", wanted, error.status)
    accepted: list[str] = []
    for login in wanted:
        try:
            await _request(webhook, pull.number, [login])
            accepted.append(login)
        except GithubException as error:
            LOGGER.warning("GitHub refused a review request for %s: %s", login, error.status)
            await _report_refusal(webhook, login, error)
    return tuple(accepted)


async def _current_assignees(webhook: GithubWebhook) -> list[str]:
    pull = webhook.pull_request
    assert pull is not None
    return await github_api_call(lambda: [user.login for user in pull.assignees])


async def assign_pr(webhook: GithubWebhook, pull: PullSnapshot | None = None) -> str | None:
    """Assign the PR author, or the first root approver when the author cannot be assigned."""
    pull = pull or await pull_snapshot(webhook)
    if contains_login(await _current_assignees(webhook), pull.author):
        return pull.author
    owners = await owners_service.pr_owners(webhook)
    url = f"/repos/{webhook.repo_context.full_name}/issues/{pull.number}/assignees"
    for candidate in assignee_candidates(pull.author, owners.root_approvers):
        try:
            issue = await _rest(webhook, "POST", url, {"assignees": [candidate]})
        except GithubException as error:
            LOGGER.warning("Could not assign %s: %s", candidate, error.status)
            continue
        if contains_login((user["login"] for user in issue.get("assignees") or []), candidate):
            LOGGER.info("Assigned %s", candidate)
            return candidate
        LOGGER.warning("GitHub did not assign %s", candidate)
    return None
