"""Ordering key of a delivery (intake.md §5.1), computed from the payload only at intake."""

from typing import Any

PR_EVENTS = frozenset(
    {"pull_request", "pull_request_review", "pull_request_review_thread", "pull_request_review_comment"}
)


def _based_on(entry: dict[str, Any], repository: dict[str, Any]) -> bool:
    """True when a `check_run.pull_requests` entry's base repository is the delivery's repository."""
    base_repo = (entry.get("base") or {}).get("repo") or {}
    if "id" in base_repo and "id" in repository:
        return bool(base_repo["id"] == repository["id"])
    return str(base_repo.get("url", "")).endswith(f"/repos/{repository['full_name']}")


def _check_run_pr_number(repository: dict[str, Any], check_run: dict[str, Any]) -> int | None:
    """The PR number when exactly one of the run's PRs has this repository as its base."""
    entries = [entry for entry in check_run.get("pull_requests") or [] if isinstance(entry, dict)]
    numbers = [entry.get("number") for entry in entries if _based_on(entry, repository)]
    return numbers[0] if len(numbers) == 1 and isinstance(numbers[0], int) else None


def _check_run_key(repository: dict[str, Any], check_run: dict[str, Any]) -> str:
    number = _check_run_pr_number(repository, check_run)
    if number is not None:
        return f"pr:{repository['full_name']}#{number}"
    return f"sha:{repository['full_name']}@{check_run.get('head_sha')}"


def ordering_key(event: str, payload: dict[str, Any]) -> str:
    """`pr:`, `sha:`, `ref:` or `repo:` key; deliveries with equal keys run one at a time, in order."""
    full_name = payload["repository"]["full_name"]
    if event in PR_EVENTS and isinstance(payload.get("pull_request"), dict):
        return f"pr:{full_name}#{payload['pull_request'].get('number')}"
    if event == "issue_comment" and (payload.get("issue") or {}).get("pull_request"):
        return f"pr:{full_name}#{payload['issue'].get('number')}"
    if event == "check_run" and isinstance(payload.get("check_run"), dict):
        return _check_run_key(payload["repository"], payload["check_run"])
    if event == "status":
        return f"sha:{full_name}@{payload.get('sha')}"
    if event == "push":
        return f"ref:{full_name}:{payload.get('ref')}"
    return f"repo:{full_name}"
