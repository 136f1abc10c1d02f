"""Turn one JSONL record (``log_entry`` or ``webhook_summary``) into the viewer's entry shape (§6.3)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

SUMMARY_LOGGER_NAME = "GithubWebhook"
SUMMARY_LEVEL = "COMPLETED"

ENTRY_KEYS = (
    "timestamp",
    "level",
    "logger_name",
    "message",
    "hook_id",
    "event_type",
    "repository",
    "pr_number",
    "github_user",
    "task_id",
    "task_type",
    "task_status",
    "token_spend",
)


def parse_record(line: bytes) -> dict[str, Any] | None:
    """The JSON object on ``line``, or None when the line is not a JSON object."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def is_summary(record: Mapping[str, Any]) -> bool:
    """True for ``webhook_summary`` records; a record without ``type`` counts as a summary."""
    return record.get("type") != "log_entry"


def parse_timestamp(value: object) -> datetime | None:
    """An aware UTC datetime from an ISO-8601 string (no offset means UTC), or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def summary_pr_number(record: Mapping[str, Any]) -> int | None:
    """The PR number of a summary (``pr.number``), if any."""
    pr = record.get("pr")
    if isinstance(pr, Mapping) and isinstance(pr.get("number"), int):
        return int(pr["number"])
    return None


def summary_completed_at(record: Mapping[str, Any]) -> Any:
    """The raw ``timing.completed_at`` of a summary (its entry timestamp)."""
    timing = record.get("timing")
    return timing.get("completed_at") if isinstance(timing, Mapping) else None


def summary_message(record: Mapping[str, Any]) -> str:
    """``<event>[/<action>] for <repo>[ PR #<n>] - <tail>`` for a summary record."""
    head = str(record.get("event_type") or "")
    if record.get("action"):
        head += f"/{record['action']}"
    head += f" for {record.get('repository') or ''}"
    pr_number = summary_pr_number(record)
    if pr_number is not None:
        head += f" PR #{pr_number}"
    status = record.get("status")
    if status == "success":
        tail = "completed successfully"
    elif status == "partial":
        tail = "completed with partial failures"
    else:
        error = record.get("error")
        error_type = error.get("type") if isinstance(error, Mapping) else None
        tail = f"failed ({error_type})" if error_type else "failed"
    return f"{head} - {tail}"


def to_entry(record: Mapping[str, Any]) -> dict[str, Any]:
    """The §6.3 entry for a record of either type."""
    if is_summary(record):
        return {
            "timestamp": summary_completed_at(record),
            "level": SUMMARY_LEVEL,
            "logger_name": SUMMARY_LOGGER_NAME,
            "message": summary_message(record),
            "hook_id": record.get("hook_id"),
            "event_type": record.get("event_type"),
            "repository": record.get("repository"),
            "pr_number": summary_pr_number(record),
            "github_user": record.get("api_user"),
            "task_id": None,
            "task_type": None,
            "task_status": record.get("status"),
            "token_spend": record.get("token_spend"),
        }
    return {
        "timestamp": record.get("timestamp"),
        "level": record.get("level"),
        "logger_name": record.get("logger_name"),
        "message": record.get("message") if isinstance(record.get("message"), str) else "",
        "hook_id": record.get("hook_id"),
        "event_type": record.get("event_type"),
        "repository": record.get("repository"),
        "pr_number": record.get("pr_number"),
        "github_user": record.get("api_user"),
        "task_id": None,
        "task_type": None,
        "task_status": None,
        "token_spend": None,
    }
