"""Filter parsing (400 messages) and matching rules of the viewer (§6.4)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from webhook_server.libs.log_store.filters import (
    EntryFilter,
    FilterError,
    build_filter,
    parse_levels,
    parse_time,
)
from webhook_server.libs.log_store.prefilter import compile_line_check
from webhook_server.libs.log_store.records import to_entry
from webhook_server.tests.logs.log_files import encode, log_entry, summary

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("info", frozenset({"INFO"})),
        ("Error, warning", frozenset({"ERROR", "WARNING"})),
        ("COMPLETED", frozenset({"COMPLETED"})),
        ("step,success", frozenset({"STEP", "SUCCESS"})),
    ],
    ids=["absent", "empty", "lower-case", "list-with-spaces", "completed", "legacy-levels"],
)
def test_levels_are_case_insensitive_lists(raw: str | None, expected: frozenset[str] | None) -> None:
    assert parse_levels(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("verbose", "Invalid level: verbose"), ("INFO,nope", "Invalid level: nope")],
    ids=["unknown", "unknown-in-list"],
)
def test_unknown_level_is_rejected(raw: str, message: str) -> None:
    with pytest.raises(FilterError, match=rf"^{re.escape(message)}$"):
        parse_levels(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-05T10:00:00Z", T0),
        ("2026-01-05T10:00:00", T0),
        ("2026-01-05T12:00:00+02:00", T0),
        ("2026-01-05T10:00:00.000+00:00", T0),
        ("2026-01-05", datetime(2026, 1, 5, tzinfo=UTC)),
    ],
    ids=["zulu", "naive-is-utc", "offset-converted", "fraction", "date-only"],
)
def test_times_are_utc(raw: str, expected: datetime) -> None:
    assert parse_time(raw, "start_time") == expected


def test_unparseable_time_names_the_parameter() -> None:
    with pytest.raises(FilterError, match=r"^Invalid end_time format: yesterday$"):
        parse_time("yesterday", "end_time")


def test_bad_min_level_is_rejected() -> None:
    with pytest.raises(FilterError, match="min_level"):
        build_filter({"min_level": "loud"})


ENTRY_RECORD = log_entry(
    T0, "Added label LGTM to PR", level="WARNING", hook_id="h-1", repository="repo", pr_number=7, api_user="bot"
)
SUMMARY_RECORD = summary("h-1", T0, T0, full_name="org/repo", pr_number=7, status="partial")


@pytest.mark.parametrize(
    ("params", "record", "matches"),
    [
        ({"hook_id": "h-1"}, ENTRY_RECORD, True),
        ({"hook_id": "h-2"}, ENTRY_RECORD, False),
        ({"pr_number": 7}, SUMMARY_RECORD, True),
        ({"pr_number": 8}, ENTRY_RECORD, False),
        ({"repository": "repo"}, ENTRY_RECORD, True),
        ({"repository": "org/repo"}, SUMMARY_RECORD, True),
        ({"repository": "other/repo"}, SUMMARY_RECORD, False),
        ({"repository": "org/repo"}, ENTRY_RECORD, True),
        ({"github_user": "bot"}, ENTRY_RECORD, True),
        ({"github_user": "alice"}, SUMMARY_RECORD, False),
        ({"level": "warning"}, ENTRY_RECORD, True),
        ({"level": "completed"}, SUMMARY_RECORD, True),
        ({"level": "INFO,ERROR"}, ENTRY_RECORD, False),
        ({"min_level": "info"}, ENTRY_RECORD, True),
        ({"min_level": "ERROR"}, ENTRY_RECORD, False),
        ({"search": "lgtm"}, ENTRY_RECORD, True),
        ({"search": "PARTIAL FAIL"}, SUMMARY_RECORD, True),
        ({"search": "absent"}, ENTRY_RECORD, False),
        ({"start_time": "2026-01-05T10:00:00"}, ENTRY_RECORD, True),
        ({"end_time": "2026-01-05T09:59:59Z"}, ENTRY_RECORD, False),
        ({"event_type": "push"}, SUMMARY_RECORD, False),
    ],
    ids=[
        "hook",
        "other-hook",
        "summary-pr",
        "other-pr",
        "short-repo",
        "full-repo-summary",
        "same-short-other-org",
        "full-repo-entry-by-short-part",
        "api-user",
        "sender-is-not-user",
        "level-any-case",
        "completed-level",
        "level-list-miss",
        "min-level-pass",
        "min-level-miss",
        "search-casefold",
        "search-summary-message",
        "search-miss",
        "start-inclusive-naive",
        "end-before",
        "event-type-miss",
    ],
)
def test_matching(params: dict[str, Any], record: dict[str, Any], matches: bool) -> None:
    assert build_filter(params).matches(to_entry(record), record) is matches


@pytest.mark.parametrize(
    ("search", "message"),
    [
        ("lgtm", "Added LGTM label"),
        ("strasse", "Stra\u00dfe closed"),
        ("quote", 'He said "quote"'),
        ("new\nline", "new\nline"),
        ("a/b", "path a/b"),
        ("kelvin", "\u212aelvin scale"),
        ("t\u00e9st", "T\u00c9ST"),
    ],
    ids=["ascii", "sharp-s", "escaped-quotes", "newline", "slash", "kelvin-sign", "non-ascii-term"],
)
def test_raw_prefilter_never_hides_a_search_match(search: str, message: str) -> None:
    record = log_entry(T0, message)
    entry_filter = EntryFilter(search=search)
    assert entry_filter.matches(to_entry(record), record)
    check = compile_line_check(entry_filter)
    for line in (encode(record).strip(), json.dumps(record).encode()):
        assert check is None or check(line)


PREFILTER_RECORDS = [
    log_entry(T0, "Added label", level="WARNING", hook_id="h-1", repository="repo", event_type="pull_request"),
    log_entry(T0, "other", level="DEBUG", hook_id="h-2", repository="other", event_type="push", api_user="bot"),
    summary("h-1", T0, T0, full_name="org/repo"),
    summary("h-3", T0, T0, repository='weird"name', full_name='org/weird"name', api_user="b\u00f6t"),
]


@pytest.mark.parametrize(
    "params",
    [
        {"hook_id": "h-1"},
        {"repository": "org/repo"},
        {"repository": "repo", "level": "warning"},
        {"event_type": "push", "github_user": "bot"},
        {"level": "COMPLETED"},
        {"min_level": "WARNING"},
        {"search": "LABEL"},
        {"search": "SUCCESSFULLY", "level": "completed,debug"},
        {"repository": 'weird"name'},
        {"github_user": "b\u00f6t"},
    ],
    ids=[
        "hook",
        "full-name",
        "repo-and-level",
        "event-and-user",
        "summaries",
        "min-level",
        "search",
        "search-with-levels",
        "unsafe-term",
        "non-ascii-user",
    ],
)
def test_raw_prefilter_agrees_with_the_exact_rule(params: dict[str, Any]) -> None:
    entry_filter = build_filter(params)
    check = compile_line_check(entry_filter)
    matching = [record for record in PREFILTER_RECORDS if entry_filter.matches(to_entry(record), record)]
    assert matching
    for record in matching:
        assert check is None or check(encode(record).strip()), record


def test_raw_prefilter_rejects_lines_that_cannot_match() -> None:
    line = encode(log_entry(T0, "nothing to see", hook_id="abc", level="INFO")).strip()
    rejecting = [{"search": "needle"}, {"hook_id": "zzz"}, {"level": "ERROR"}, {"repository": "org/x"}]
    for params in rejecting:
        check = compile_line_check(build_filter(params))
        assert check is not None
        assert not check(line), params
    accepting = compile_line_check(build_filter({"hook_id": "abc", "search": "see", "level": "info"}))
    assert accepting is not None
    assert accepting(line)
    assert compile_line_check(build_filter({"pr_number": 3})) is None
    assert compile_line_check(build_filter({"repository": 'weird"name'})) is None
