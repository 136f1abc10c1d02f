"""Ordering key of a delivery (`intake.md` §5.1), computed at intake from the event name and payload only."""

from collections.abc import Mapping
from typing import Any

PR_EVENTS = frozenset(
    {"pull_request", "pull_request_review", "pull_request_review_thread", "pull_request_review_comment"}
)


def _is_this_repository(entry: Mapping[str, Any], repository: Mapping[str, Any]) -> bool:
    """Whether a `check_run.pull_requests` entry's base repository is the delivery's repository.

    GitHub gives `base.repo` as `{id, url, name}`: compare ids when both are known, else the API URL.
    """
    base_repo = (entry.get("base") or {}).get("repo") or {}
    if base_repo.get("id") is not None and repository.get("id") is not None:
        return bool(base_repo["id"] == repository["id"])
    url = base_repo.get("url")
    return isinstance(url, str) and url.endswith(f"/repos/{repository['full_name']}")


def _check_run_key(full_name: str, payload: Mapping[str, Any]) -> str:
    check_run = payload.get("check_run") or {}
    numbers = [
        entry.get("number")
        for entry in check_run.get("pull_requests") or []
        if isinstance(entry, Mapping) and _is_this_repository(entry, payload["repository"])
    ]
    if len(numbers) == 1 and isinstance(numbers[0], int):
        return f"pr:{full_name}#{numbers[0]}"
    return sha_key(full_name, check_run.get("head_sha"))


def _pr_number(event: str, payload: Mapping[str, Any]) -> int | None:
    """The PR number for PR events and for comments on a PR, else None."""
    if event in PR_EVENTS:
        pull_request = payload.get("pull_request")
        return pull_request.get("number") if isinstance(pull_request, Mapping) else None
    issue = payload.get("issue")
    if event == "issue_comment" and isinstance(issue, Mapping) and issue.get("pull_request"):
        return issue.get("number")
    return None


def sha_key(full_name: str, sha: object) -> str:
    """The key of deliveries about one commit that name no PR (`status`, some `check_run`s)."""
    return f"sha:{full_name}@{sha}"


def ordering_key(event: str, payload: Mapping[str, Any]) -> str:
    """`pr:`, `sha:`, `ref:` or `repo:` key; deliveries with equal keys run one at a time, in order."""
    full_name = payload["repository"]["full_name"]
    number = _pr_number(event, payload)
    if number is not None:
        key = f"pr:{full_name}#{number}"
    elif event == "check_run":
        key = _check_run_key(full_name, payload)
    elif event == "status":
        key = sha_key(full_name, payload.get("sha"))
    elif event == "push":
        key = f"ref:{full_name}:{payload.get('ref')}"
    else:
        key = f"repo:{full_name}"
    return key
