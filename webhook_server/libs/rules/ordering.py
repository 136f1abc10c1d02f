"""Ordering key of a delivery (`intake.md` §5.1), computed at intake from the event name and payload only."""

from collections.abc import Mapping
from typing import Any

PR_EVENTS = frozenset(
    {"pull_request", "pull_request_review", "pull_request_review_thread", "pull_request_review_comment"}
)


def _mapping(value: Any) -> Mapping[str, Any]:
    """`value` when it is a JSON object, else an empty one: the key is computed before the payload's
    field types are checked (the pipeline refuses malformed deliveries later), so it never raises."""
    return value if isinstance(value, Mapping) else {}


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_this_repository(entry: Mapping[str, Any], repository: Mapping[str, Any]) -> bool:
    """Whether a `check_run.pull_requests` entry's base repository is the delivery's repository.

    GitHub gives `base.repo` as `{id, url, name}`: compare ids when both are known, else the API URL.
    """
    base_repo = _mapping(_mapping(entry.get("base")).get("repo"))
    if base_repo.get("id") is not None and repository.get("id") is not None:
        return bool(base_repo["id"] == repository["id"])
    url = base_repo.get("url")
    return isinstance(url, str) and url.endswith(f"/repos/{repository['full_name']}")


def _check_run_key(full_name: str, payload: Mapping[str, Any]) -> str:
    check_run = _mapping(payload.get("check_run"))
    entries = check_run.get("pull_requests")
    numbers = [
        _number(entry.get("number"))
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, Mapping) and _is_this_repository(entry, payload["repository"])
    ]
    if len(numbers) == 1 and numbers[0] is not None:
        return f"pr:{full_name}#{numbers[0]}"
    return sha_key(full_name, check_run.get("head_sha"))


def _pr_number(event: str, payload: Mapping[str, Any]) -> int | None:
    """The PR number for PR events and for comments on a PR, else None."""
    if event in PR_EVENTS:
        return _number(_mapping(payload.get("pull_request")).get("number"))
    issue = _mapping(payload.get("issue"))
    if event == "issue_comment" and issue.get("pull_request"):
        return _number(issue.get("number"))
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
