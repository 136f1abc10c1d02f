"""Text shapes of the logs: line, delivery prefix, durations, summary and completion lines.

Pure string functions (logging-and-viewer.md §2); no I/O and no colour. The console colours are
added by ``log_colors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_MS_PER_SECOND = 1000
_MS_PER_MINUTE = 60 * _MS_PER_SECOND
_MS_PER_HOUR = 60 * _MS_PER_MINUTE


def format_timestamp(moment: datetime) -> str:
    """ISO-8601 in UTC with offset; the fraction is omitted when microseconds are 0."""
    return moment.astimezone(UTC).isoformat()


def timestamp_from_epoch(created: float) -> str:
    """The record time of a ``logging.LogRecord`` (``created``) as a UTC ISO-8601 string."""
    return format_timestamp(datetime.fromtimestamp(created, UTC))


def format_duration(duration_ms: int) -> str:
    """Durations like ``500ms``, ``7s712ms``, ``3m12s`` and ``1h5m``."""
    duration_ms = max(duration_ms, 0)
    if duration_ms < _MS_PER_SECOND:
        return f"{duration_ms}ms"
    if duration_ms < _MS_PER_MINUTE:
        seconds, millis = divmod(duration_ms, _MS_PER_SECOND)
        return f"{seconds}s{millis}ms"
    if duration_ms < _MS_PER_HOUR:
        minutes, rest = divmod(duration_ms, _MS_PER_MINUTE)
        return f"{minutes}m{rest // _MS_PER_SECOND}s"
    hours, rest = divmod(duration_ms, _MS_PER_HOUR)
    return f"{hours}h{rest // _MS_PER_MINUTE}m"


def sanitize_bracket(value: str) -> str:
    """Make a value safe inside ``[...]``: CR/LF become spaces, brackets are escaped."""
    return value.replace("\r", " ").replace("\n", " ").replace("[", "\\[").replace("]", "\\]")


def build_prefix(*, repository: str, event_type: str, hook_id: str, api_user: str, pr_number: int | None) -> str:
    """``<repo> [<event_type>][<delivery_id>][<api_user>][PR <n>]: `` (api user and PR when known)."""
    parts = [f"[{sanitize_bracket(event_type)}]", f"[{sanitize_bracket(hook_id)}]"]
    if api_user:
        parts.append(f"[{sanitize_bracket(api_user)}]")
    if pr_number is not None:
        parts.append(f"[PR {pr_number}]")
    repo = repository.replace("\r", " ").replace("\n", " ")
    return f"{repo} {''.join(parts)}: "


def format_text_line(
    *, timestamp: str, logger_name: str, level: str, message: str, traceback: str | None = None
) -> str:
    """``<timestamp> <logger-name> <LEVEL> <message>``, a traceback following as extra lines."""
    line = f"{timestamp} {logger_name} {level} {message}"
    if traceback:
        line = f"{line}\n{traceback.rstrip(chr(10))}"
    return line


def duplicate_suffix(message: str, count: int) -> str:
    """The note appended to the next different record after ``count`` collapsed duplicates."""
    return f" --- [DuplicateFilter: Last log `{message}` repeated {count} times]"


def _step_entry(name: str, record: Mapping[str, Any]) -> str:
    duration = record.get("duration_ms")
    shown = "incomplete" if duration is None else format_duration(int(duration))
    return f"{name}:{record.get('status')}({shown})"


def summary_line(
    *,
    success: bool,
    pr_number: int | None,
    duration_ms: int,
    token_spend: int | None,
    steps: Mapping[str, Mapping[str, Any]],
) -> str:
    """The per-delivery summary (§2.3) without the delivery prefix."""
    outcome = "SUCCESS" if success else "FAILED"
    pr_part = f" PR#{pr_number}" if pr_number is not None else ""
    timing = format_duration(duration_ms)
    if token_spend:
        timing = f"{timing}, tokens:{token_spend}"
    step_list = ", ".join(_step_entry(name, record) for name, record in steps.items())
    return f"[{outcome}] Webhook completed{pr_part} [{timing}] steps=[{step_list}]"


def completion_line(*, outcome: str, token_spend: int | None, initial: int | None, remaining: int | None) -> str:
    """The completion line (§2.4) without the delivery prefix; it never shows any token characters."""
    return (
        f"Webhook processing completed successfully: {outcome} - Token spend: {token_spend} API calls "
        f"(initial: {_or_unknown(initial)}, remaining: {_or_unknown(remaining)})"
    )


def _or_unknown(value: int | None) -> str:
    return "unknown" if value is None else str(value)
