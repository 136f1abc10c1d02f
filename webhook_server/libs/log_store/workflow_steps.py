"""Shape a delivery summary into the ``workflow-steps`` response (§6.7) and find one of its steps (§6.8)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from webhook_server.libs.log_store.records import parse_timestamp, summary_pr_number


class MalformedSummaryError(ValueError):
    """The summary lacks a field the response needs (answered with 500 ``Malformed log entry``)."""


def validate_summary(summary: Mapping[str, Any], *, live: bool = False) -> None:
    """Raise ``MalformedSummaryError`` unless the summary has the shape §6.7 needs.

    A live (in-progress) summary may have no steps yet and no duration.
    """
    timing = summary.get("timing")
    if not isinstance(timing, Mapping) or "started_at" not in timing:
        raise MalformedSummaryError("timing")
    if not live and "duration_ms" not in timing:
        raise MalformedSummaryError("timing.duration_ms")
    steps = summary.get("workflow_steps")
    if not isinstance(steps, Mapping) or (not steps and not live):
        raise MalformedSummaryError("workflow_steps")
    pr = summary.get("pr")
    if pr is not None and not isinstance(pr, Mapping):
        raise MalformedSummaryError("pr")
    for step in steps.values():
        if not isinstance(step, Mapping) or "timestamp" not in step:
            raise MalformedSummaryError("step")


def step_message(name: str, step: Mapping[str, Any]) -> str:
    """``<name>: <status> - <error>``, ``<name>: <status> (<d>ms)`` or ``<name>: <status>``."""
    status = step.get("status")
    error = step.get("error")
    if isinstance(error, Mapping) and error.get("message"):
        return f"{name}: {status} - {error['message']}"
    if step.get("duration_ms") is not None:
        return f"{name}: {status} ({step['duration_ms']}ms)"
    return f"{name}: {status}"


def step_level(step: Mapping[str, Any]) -> str:
    """``ERROR`` for failed steps, ``DEBUG`` for unfinished ones, ``INFO`` otherwise."""
    status = step.get("status")
    if status == "failed":
        return "ERROR"
    if status == "started":
        return "DEBUG"
    return "INFO"


def _relative_ms(moment: object, origin: datetime | None) -> int | None:
    parsed = parse_timestamp(moment)
    if parsed is None or origin is None:
        return None
    return int((parsed - origin).total_seconds() * 1000)


def _step_item(
    name: str, step: Mapping[str, Any], summary: Mapping[str, Any], origin: datetime | None
) -> dict[str, Any]:
    return {
        "timestamp": step.get("timestamp"),
        "step_name": name,
        "message": step_message(name, step),
        "level": step_level(step),
        "repository": summary.get("repository"),
        "event_type": summary.get("event_type"),
        "pr_number": summary_pr_number(summary),
        "task_id": name,
        "task_type": None,
        "task_status": step.get("status"),
        "duration_ms": step.get("duration_ms"),
        "error": step.get("error"),
        "step_details": dict(step),
        "relative_time_ms": _relative_ms(step.get("timestamp"), origin),
    }


def _sort_key(item: Mapping[str, Any]) -> datetime:
    return parse_timestamp(item["timestamp"]) or datetime.min.replace(tzinfo=UTC)


def build_workflow_steps(hook_id: str, summary: Mapping[str, Any], *, live: bool = False) -> dict[str, Any]:
    """The §6.7 response for a finished summary, or for a live one (``success`` null, running steps)."""
    validate_summary(summary, live=live)
    timing = summary["timing"]
    origin = parse_timestamp(timing.get("started_at"))
    duration = timing.get("duration_ms")
    if duration is None and origin is not None:
        duration = int((datetime.now(UTC) - origin).total_seconds() * 1000)
    steps = [_step_item(name, step, summary, origin) for name, step in summary["workflow_steps"].items()]
    steps.sort(key=_sort_key)
    return {
        "hook_id": hook_id,
        "start_time": timing.get("started_at"),
        "total_duration_ms": duration,
        "step_count": len(steps),
        "steps": steps,
        "token_spend": summary.get("token_spend"),
        "event_type": summary.get("event_type"),
        "action": summary.get("action"),
        "repository": summary.get("repository"),
        "sender": summary.get("sender"),
        "pr": summary.get("pr"),
        "success": None if live else summary.get("success"),
        "error": summary.get("error"),
    }
