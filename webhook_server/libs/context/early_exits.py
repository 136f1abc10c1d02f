"""Stage 2 of the pipeline: payload-only early exits, decided before any GitHub call. Pure."""

from collections.abc import Callable
from typing import Any

from webhook_server.libs.rules.commands import parse_commands
from webhook_server.libs.rules.welcome_markers import contains_welcome_marker

HANDLED_PR_ACTIONS = frozenset(
    {"opened", "reopened", "ready_for_review", "synchronize", "edited", "labeled", "unlabeled", "closed"}
)
CAN_BE_MERGED = "can-be-merged"


def _push_exit(payload: dict[str, Any]) -> str | None:
    if payload.get("deleted"):
        return "skipped:push-deleted"
    if not str(payload.get("ref", "")).startswith("refs/tags/"):
        return "skipped:push-branch"
    return None


def _check_run_exit(payload: dict[str, Any]) -> str | None:
    if payload.get("action") != "completed":
        return "skipped:check-run-not-completed"
    check_run = payload.get("check_run") or {}
    if check_run.get("name") == CAN_BE_MERGED and check_run.get("conclusion") != "success":
        return "skipped:can-be-merged-not-success"
    return None


def _comment_exit(payload: dict[str, Any]) -> str | None:
    if payload.get("action") != "created":
        return "skipped:comment-action"
    if not (payload.get("issue") or {}).get("pull_request"):
        return "skipped:not-a-pr"
    body = str((payload.get("comment") or {}).get("body") or "")
    if contains_welcome_marker(body):
        return "skipped:welcome-comment"
    if not parse_commands(body):
        return "skipped:no-command"
    return None


def _status_exit(payload: dict[str, Any]) -> str | None:
    return "skipped:status-pending" if payload.get("state") == "pending" else None


def _review_thread_exit(payload: dict[str, Any]) -> str | None:
    return None if payload.get("action") in ("resolved", "unresolved") else "skipped:review-thread-action"


def _review_exit(payload: dict[str, Any]) -> str | None:
    return None if payload.get("action") == "submitted" else "skipped:review-action"


def _pull_request_exit(payload: dict[str, Any]) -> str | None:
    return None if payload.get("action") in HANDLED_PR_ACTIONS else "skipped:pr-action"


def _ping_exit(payload: dict[str, Any]) -> str | None:
    return "skipped:ping"


_EXITS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "ping": _ping_exit,
    "push": _push_exit,
    "status": _status_exit,
    "check_run": _check_run_exit,
    "pull_request_review_thread": _review_thread_exit,
    "pull_request_review": _review_exit,
    "issue_comment": _comment_exit,
    "pull_request": _pull_request_exit,
}
HANDLED_EVENTS = frozenset(_EXITS)


def early_exit(event: str, payload: dict[str, Any]) -> str | None:
    """The `skipped:*` outcome for a delivery that needs no work, or None to continue."""
    rule = _EXITS.get(event)
    if rule is None:
        return "skipped:event-not-handled"
    return rule(payload)
