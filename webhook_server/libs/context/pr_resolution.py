"""Stage 4: find the pull request a delivery is about, with as few GitHub calls as the spec allows."""

import logging
import re
from dataclasses import dataclass
from typing import Any

from github import GithubException
from github.PullRequest import PullRequest
from github.Repository import Repository

from webhook_server.libs.github.api_call import github_api_call

LOGGER = logging.getLogger(__name__)

SHA_PATTERN = re.compile(r"^[0-9a-f]{40}$")
PR_NUMBER_EVENTS = frozenset({"pull_request", "pull_request_review", "pull_request_review_thread"})
PAYLOAD_PULL_ACTIONS = frozenset({"labeled", "unlabeled", "closed"})


def payload_pull_usable(event: str, payload: dict[str, Any]) -> bool:
    """Whether the payload's `pull_request` can stand for a fetch of the PR (no API call): for `labeled`,
    `unlabeled` and `closed`, and for reviews (whose handler reads only the head, labels and author; the
    merge evaluation reads the PR again). Not for `synchronize` (its staleness check needs the PR's current
    head, §6.6) nor the full-workflow actions, whose idempotent steps (reviewers, welcome comment) need the
    PR as it is now, also when a delivery is processed again long after it was sent.
    """
    if event == "pull_request_review":
        return True
    return event == "pull_request" and payload.get("action") in PAYLOAD_PULL_ACTIONS


@dataclass(frozen=True)
class PullRequestResolution:
    """The PR (or None) and whether the delivery turned out stale while resolving it."""

    pull_request: PullRequest | None
    stale: bool = False
    head_matched: bool = False


async def _fetch_pull(repository: Repository, number: int) -> PullRequest:
    return await github_api_call(repository.get_pull, number)


def _pull_with_head(repository: Repository, number: int) -> tuple[PullRequest, str]:
    pull = repository.get_pull(number)
    return pull, pull.head.sha


async def _open_pull_with_head(repository: Repository, sha: str) -> PullRequest | None:
    """Slow path: list open PRs (their head SHAs are in the list) and pick the matching one."""

    def find() -> PullRequest | None:
        return next((pull for pull in repository.get_pulls(state="open") if pull.head.sha == sha), None)

    return await github_api_call(find)


async def _from_check_run(repository: Repository, check_run: dict[str, Any]) -> PullRequestResolution:
    head_sha = str(check_run.get("head_sha", ""))
    entries = [entry for entry in check_run.get("pull_requests") or [] if isinstance(entry, dict)]
    try:
        for entry in entries:
            pull, pull_head = await github_api_call(_pull_with_head, repository, int(entry["number"]))
            if pull_head == head_sha:
                return PullRequestResolution(pull, head_matched=True)
    except GithubException as error:
        LOGGER.warning("Check-run PR lookup failed (%s); listing open pull requests", error.status)
        return PullRequestResolution(await _open_pull_with_head(repository, head_sha), head_matched=True)
    if entries:
        return PullRequestResolution(None, stale=True)
    return PullRequestResolution(await _open_pull_with_head(repository, head_sha), head_matched=True)


async def _from_status(repository: Repository, sha: str) -> PullRequestResolution:
    def first_open_with_head() -> PullRequest | None:
        pulls = repository.get_commit(sha).get_pulls()
        return next((pull for pull in pulls if pull.state == "open" and pull.head.sha == sha), None)

    try:
        return PullRequestResolution(await github_api_call(first_open_with_head))
    except GithubException as error:
        LOGGER.warning("Commit PR lookup failed (%s); listing open pull requests", error.status)
        return PullRequestResolution(await _open_pull_with_head(repository, sha))


async def resolve_pull_request(repository: Repository, event: str, payload: dict[str, Any]) -> PullRequestResolution:
    """Resolve the delivery's PR following the table of intake.md §6.4."""
    if event in PR_NUMBER_EVENTS:
        return PullRequestResolution(await _fetch_pull(repository, int(payload["pull_request"]["number"])))
    if event == "issue_comment":
        return PullRequestResolution(await _fetch_pull(repository, int(payload["issue"]["number"])))
    if event == "check_run":
        return await _from_check_run(repository, payload["check_run"])
    if event == "status" and SHA_PATTERN.match(str(payload.get("sha", ""))):
        return await _from_status(repository, str(payload["sha"]))
    return PullRequestResolution(None)


def stale_sha(event: str, payload: dict[str, Any]) -> str | None:
    """The SHA a SHA-bound delivery is about (compared with the PR's head), or None."""
    if event == "pull_request" and payload.get("action") == "synchronize":
        return str(payload.get("after"))
    if event == "check_run":
        return str(payload["check_run"].get("head_sha"))
    if event == "status":
        return str(payload.get("sha"))
    return None
