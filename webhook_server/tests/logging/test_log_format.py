"""Line, timestamp, prefix, duration, summary and completion formats (logging-and-viewer.md §2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from webhook_server.utils import log_format


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 1, 5, 10, 0, 0, 123456, UTC), "2026-01-05T10:00:00.123456+00:00"),
        (datetime(2026, 1, 5, 10, 0, 0, 0, UTC), "2026-01-05T10:00:00+00:00"),
        (datetime(2026, 1, 5, 12, 0, 0, 5, timezone(timedelta(hours=2))), "2026-01-05T10:00:00.000005+00:00"),
    ],
    ids=["with-fraction", "fraction-omitted-at-zero", "converted-to-utc"],
)
def test_format_timestamp(moment: datetime, expected: str) -> None:
    assert log_format.format_timestamp(moment) == expected


def test_timestamp_from_epoch_is_utc() -> None:
    created = datetime(2026, 3, 1, 23, 59, 59, 250000, UTC).timestamp()
    assert log_format.timestamp_from_epoch(created) == "2026-03-01T23:59:59.250000+00:00"


@pytest.mark.parametrize(
    ("duration_ms", "expected"),
    [
        (-5, "0ms"),
        (0, "0ms"),
        (500, "500ms"),
        (999, "999ms"),
        (1000, "1s0ms"),
        (7712, "7s712ms"),
        (59999, "59s999ms"),
        (60000, "1m0s"),
        (192000, "3m12s"),
        (192999, "3m12s"),
        (3599999, "59m59s"),
        (3600000, "1h0m"),
        (3900000, "1h5m"),
        (90000000, "25h0m"),
    ],
    ids=[
        "negative-clamped",
        "zero",
        "millis",
        "just-below-second",
        "one-second",
        "seconds-and-millis",
        "just-below-minute",
        "one-minute",
        "minutes-and-seconds",
        "millis-dropped-in-minutes",
        "just-below-hour",
        "one-hour",
        "hours-and-minutes",
        "more-than-a-day",
    ],
)
def test_format_duration(duration_ms: int, expected: str) -> None:
    assert log_format.format_duration(duration_ms) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "plain"),
        ("a\r\nb", "a  b"),
        ("x[1]y", "x\\[1\\]y"),
        ("evil]\n[INFO", "evil\\] \\[INFO"),
    ],
    ids=["untouched", "crlf-to-spaces", "brackets-escaped", "injection-attempt"],
)
def test_sanitize_bracket(value: str, expected: str) -> None:
    assert log_format.sanitize_bracket(value) == expected


@pytest.mark.parametrize(
    ("api_user", "pr_number", "expected"),
    [
        ("", None, "repo [pull_request][d-1]: "),
        ("bot", None, "repo [pull_request][d-1][bot]: "),
        ("", 7, "repo [pull_request][d-1][PR 7]: "),
        ("bot", 7, "repo [pull_request][d-1][bot][PR 7]: "),
        ("b]o\nt", 7, "repo [pull_request][d-1][b\\]o t][PR 7]: "),
    ],
    ids=["bare", "api-user-known", "pr-known", "both-known", "api-user-sanitised"],
)
def test_build_prefix(api_user: str, pr_number: int | None, expected: str) -> None:
    prefix = log_format.build_prefix(
        repository="repo", event_type="pull_request", hook_id="d-1", api_user=api_user, pr_number=pr_number
    )
    assert prefix == expected


def test_build_prefix_sanitises_event_and_delivery_id() -> None:
    prefix = log_format.build_prefix(repository="r", event_type="a]b", hook_id="x\ry", api_user="", pr_number=None)
    assert prefix == "r [a\\]b][x y]: "


@pytest.mark.parametrize(
    ("traceback", "expected"),
    [
        (None, "T console INFO hello"),
        ("Traceback:\n  boom\n", "T console INFO hello\nTraceback:\n  boom"),
    ],
    ids=["message-only", "traceback-as-extra-lines"],
)
def test_format_text_line(traceback: str | None, expected: str) -> None:
    line = log_format.format_text_line(
        timestamp="T", logger_name="console", level="INFO", message="hello", traceback=traceback
    )
    assert line == expected


def test_duplicate_suffix() -> None:
    assert log_format.duplicate_suffix("same", 4) == " --- [DuplicateFilter: Last log `same` repeated 4 times]"


_STEPS: dict[str, dict[str, Any]] = {
    "webhook_routing": {"status": "completed", "duration_ms": 5},
    "repo_fetch": {"status": "started", "duration_ms": None},
    "pr_handler": {"status": "failed", "duration_ms": 7712},
    "never_started": {"status": "completed", "duration_ms": None},
}


@pytest.mark.parametrize(
    ("success", "pr_number", "token_spend", "expected"),
    [
        (
            True,
            12,
            35,
            "[SUCCESS] Webhook completed PR#12 [3m12s, tokens:35] steps=[webhook_routing:completed(5ms), "
            "repo_fetch:started(incomplete), pr_handler:failed(7s712ms), never_started:completed(incomplete)]",
        ),
        (
            False,
            None,
            0,
            "[FAILED] Webhook completed [3m12s] steps=[webhook_routing:completed(5ms), "
            "repo_fetch:started(incomplete), pr_handler:failed(7s712ms), never_started:completed(incomplete)]",
        ),
    ],
    ids=["success-with-pr-and-tokens", "failed-without-pr-or-tokens"],
)
def test_summary_line(success: bool, pr_number: int | None, token_spend: int, expected: str) -> None:
    line = log_format.summary_line(
        success=success, pr_number=pr_number, duration_ms=192000, token_spend=token_spend, steps=_STEPS
    )
    assert line == expected


def test_summary_line_without_steps() -> None:
    line = log_format.summary_line(success=True, pr_number=None, duration_ms=500, token_spend=None, steps={})
    assert line == "[SUCCESS] Webhook completed [500ms] steps=[]"


@pytest.mark.parametrize(
    ("initial", "remaining", "expected_tail"),
    [
        (5000, 4965, "(initial: 5000, remaining: 4965)"),
        (None, None, "(initial: unknown, remaining: unknown)"),
    ],
    ids=["known-limits", "unknown-limits"],
)
def test_completion_line(initial: int | None, remaining: int | None, expected_tail: str) -> None:
    line = log_format.completion_line(outcome="success", token_spend=35, initial=initial, remaining=remaining)
    assert line == f"Webhook processing completed successfully: success - Token spend: 35 API calls {expected_tail}"
