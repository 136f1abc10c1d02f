"""Write JSONL webhook logs for the viewer tests, in the writer's format (logging-and-viewer.md §5)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with offset, as the writer formats it."""
    return moment.astimezone(UTC).isoformat()


def log_entry(
    moment: datetime,
    message: str,
    *,
    level: str = "INFO",
    hook_id: str | None = None,
    repository: str | None = None,
    event_type: str | None = None,
    pr_number: int | None = None,
    api_user: str | None = None,
    logger_name: str = "webhook-server.log",
) -> dict[str, Any]:
    """A ``log_entry`` record; delivery keys only when a hook id is given."""
    record: dict[str, Any] = {
        "type": "log_entry",
        "timestamp": iso(moment),
        "level": level,
        "logger_name": logger_name,
        "message": message,
    }
    if hook_id is not None:
        record.update(
            hook_id=hook_id, event_type=event_type, repository=repository, pr_number=pr_number, api_user=api_user
        )
    return record


def step(
    started: datetime, status: str = "completed", duration_ms: int | None = 100, error: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A ``workflow_steps`` record."""
    return {"timestamp": iso(started), "status": status, "error": error, "duration_ms": duration_ms}


def summary(
    hook_id: str,
    started: datetime,
    completed: datetime,
    *,
    status: str = "success",
    event_type: str = "pull_request",
    action: str | None = "opened",
    repository: str = "repo",
    full_name: str = "org/repo",
    pr_number: int | None = 7,
    api_user: str = "bot-user",
    steps: Mapping[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    token_spend: int | None = 12,
) -> dict[str, Any]:
    """A ``webhook_summary`` record."""
    return {
        "hook_id": hook_id,
        "level": "COMPLETED",
        "status": status,
        "event_type": event_type,
        "action": action,
        "sender": "alice",
        "repository": repository,
        "repository_full_name": full_name,
        "pr": {"number": pr_number, "title": "Add feature", "author": "alice"} if pr_number is not None else None,
        "api_user": api_user,
        "timing": {
            "started_at": iso(started),
            "completed_at": iso(completed),
            "duration_ms": int((completed - started).total_seconds() * 1000),
        },
        "workflow_steps": dict(steps) if steps is not None else {"webhook_routing": step(started)},
        "token_spend": token_spend,
        "initial_rate_limit": 5000,
        "final_rate_limit": 4988,
        "success": status != "failed",
        "error": error,
        "summary": "summary line",
        "type": "webhook_summary",
    }


def day_path(logs_dir: Path, day: date) -> Path:
    """``webhooks_YYYY-MM-DD.json`` in ``logs_dir``."""
    return logs_dir / f"webhooks_{day.isoformat()}.json"


def encode(record: Mapping[str, Any]) -> bytes:
    """One JSONL line as the writer writes it."""
    return (json.dumps(record, ensure_ascii=False) + "\n").encode()


def append_records(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    """Append records to a day file (creating it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        for record in records:
            handle.write(encode(record))


def record_time(record: Mapping[str, Any]) -> str:
    """The entry timestamp of a record (``timing.completed_at`` for summaries)."""
    if record.get("type") == "log_entry":
        return str(record["timestamp"])
    return str(record["timing"]["completed_at"])


def write_days(logs_dir: Path, records: Iterable[Mapping[str, Any]]) -> dict[date, list[Mapping[str, Any]]]:
    """Write records (in time order) into the day files of their entry timestamps."""
    by_day: dict[date, list[Mapping[str, Any]]] = {}
    for record in records:
        by_day.setdefault(datetime.fromisoformat(record_time(record)).date(), []).append(record)
    for day, day_records in by_day.items():
        append_records(day_path(logs_dir, day), day_records)
    return by_day


def delivery_records(hook_id: str, started: datetime, *, lines: int = 3, **summary_args: Any) -> list[dict[str, Any]]:
    """``lines`` log entries of one delivery, one second apart, then its summary."""
    repository = summary_args.get("repository", "repo")
    pr_number = summary_args.get("pr_number", 7)
    event_type = summary_args.get("event_type", "pull_request")
    records: list[dict[str, Any]] = [
        log_entry(
            started + timedelta(seconds=index),
            f"Processing webhook step {index} for {hook_id}",
            hook_id=hook_id,
            repository=repository,
            event_type=event_type,
            pr_number=pr_number,
            api_user=summary_args.get("api_user", "bot-user"),
        )
        for index in range(lines)
    ]
    completed = started + timedelta(seconds=lines)
    steps = {"webhook_routing": step(started, duration_ms=lines * 1000)}
    records.append(summary(hook_id, started, completed, steps=summary_args.pop("steps", steps), **summary_args))
    return records
