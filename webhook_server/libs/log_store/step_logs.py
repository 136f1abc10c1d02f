"""The ``step-logs`` response (§6.8): a delivery's ``log_entry`` records inside one step's time window."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from webhook_server.libs.log_store.filters import EntryFilter
from webhook_server.libs.log_store.query import scan
from webhook_server.libs.log_store.records import is_summary, parse_timestamp
from webhook_server.libs.log_store.workflow_steps import MalformedSummaryError

MAX_STEP_LOGS = 500
DEFAULT_WINDOW_MS = 60_000


def step_window(step: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """From the step's ``timestamp`` to ``timestamp + duration_ms`` (60 s when the duration is unknown)."""
    start = parse_timestamp(step.get("timestamp"))
    if start is None:
        raise MalformedSummaryError("step timestamp")
    duration = step.get("duration_ms")
    window_ms = duration if isinstance(duration, int) and not isinstance(duration, bool) else DEFAULT_WINDOW_MS
    return start, start + timedelta(milliseconds=window_ms)


def collect_step_logs(logs_dir: Path, hook_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The first ``MAX_STEP_LOGS`` log entries of ``hook_id`` in ``[start, end]``, oldest first."""
    oldest: deque[dict[str, Any]] = deque(maxlen=MAX_STEP_LOGS)
    for item in scan(logs_dir, EntryFilter(hook_id=hook_id, start_time=start, end_time=end)):
        if not is_summary(item.record):
            oldest.append(item.entry)
    return list(reversed(oldest))


def build_step_logs(name: str, step: Mapping[str, Any], logs: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"step": {...}, "logs": [...], "log_count": n}``."""
    return {
        "step": {
            "name": name,
            "status": step.get("status"),
            "timestamp": step.get("timestamp"),
            "duration_ms": step.get("duration_ms"),
            "error": step.get("error"),
        },
        "logs": logs,
        "log_count": len(logs),
    }
