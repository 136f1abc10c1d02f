"""Newest-first queries over several day files: order, pagination, time windows, budget, no duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from webhook_server.libs.log_store.filters import EntryFilter, build_filter
from webhook_server.libs.log_store.query import ScanBudget, find_summary_by_scan, offset_after, query_entries, scan
from webhook_server.libs.log_store.records import parse_timestamp, to_entry
from webhook_server.tests.logs.log_files import (
    day_path,
    delivery_records,
    encode,
    log_entry,
    record_time,
    write_days,
)

T0 = datetime(2026, 1, 3, 22, 0, tzinfo=UTC)


def three_days_of_records() -> list[dict[str, Any]]:
    """Deliveries every 20 minutes across three UTC days, alternating repositories and PRs."""
    records: list[dict[str, Any]] = []
    for index in range(150):
        repository = "repo" if index % 2 == 0 else "other"
        records += delivery_records(
            f"hook-{index:03d}",
            T0 + timedelta(minutes=20 * index),
            repository=repository,
            full_name=f"org/{repository}",
            pr_number=index % 5 + 1,
            status="failed" if index % 10 == 0 else "success",
        )
    return records


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "logs"
    write_days(directory, three_days_of_records())
    (directory / "webhook-server.log").write_text("2026-01-04T00:00:00+00:00 x INFO Processing webhook text copy\n")
    return directory


def expected(records: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    """The oracle: filter every record in memory, newest first."""
    entry_filter = build_filter(params)
    matching = [to_entry(record) for record in records if entry_filter.matches(to_entry(record), record)]
    return sorted(matching, key=lambda entry: parse_timestamp(entry["timestamp"]) or T0, reverse=True)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"repository": "org/other"},
        {"level": "completed"},
        {"pr_number": 3, "search": "STEP 1"},
        {"start_time": "2026-01-04T10:00:00", "end_time": "2026-01-05T02:00:00Z"},
        {"end_time": "2026-01-04T00:30:00+00:00"},
        {"start_time": "2026-01-05T12:00:00Z"},
        {"hook_id": "hook-075"},
        {"min_level": "warning"},
    ],
    ids=[
        "all",
        "full-repo-name",
        "summaries",
        "pr-and-search",
        "window",
        "end-only",
        "start-only",
        "hook",
        "min-level",
    ],
)
def test_results_equal_an_in_memory_scan(logs_dir: Path, params: dict[str, Any]) -> None:
    page = query_entries(logs_dir, build_filter(params), limit=10000, offset=0)
    assert page.entries == expected(three_days_of_records(), params)
    assert not page.partial


def test_order_is_newest_first_across_files(logs_dir: Path) -> None:
    entries = query_entries(logs_dir, EntryFilter(), limit=10000, offset=0).entries
    moments = [parse_timestamp(entry["timestamp"]) for entry in entries]
    assert moments == sorted(moments, reverse=True)  # type: ignore[type-var]
    assert len({moment.date() for moment in moments if moment}) == 3


def test_pages_are_stable_and_disjoint(logs_dir: Path) -> None:
    everything = query_entries(logs_dir, EntryFilter(), limit=10000, offset=0).entries
    pages = [query_entries(logs_dir, EntryFilter(), limit=70, offset=start).entries for start in range(0, 600, 70)]
    assert [entry for page in pages for entry in page] == everything


def test_text_logs_are_never_read(logs_dir: Path) -> None:
    entries = query_entries(logs_dir, EntryFilter(search="text copy"), limit=100, offset=0).entries
    assert entries == []
    assert len(query_entries(logs_dir, EntryFilter(), limit=10000, offset=0).entries) == 600


def test_record_budget_marks_a_partial_scan(logs_dir: Path) -> None:
    page = query_entries(logs_dir, EntryFilter(search="no such text"), limit=10, offset=0, budget=ScanBudget(100, 31))
    assert (page.examined, page.partial) == (100, True)


def test_file_budget_marks_a_partial_scan(logs_dir: Path) -> None:
    page = query_entries(logs_dir, EntryFilter(search="no such text"), limit=10, offset=0, budget=ScanBudget(10**6, 2))
    assert page.partial
    full = query_entries(logs_dir, EntryFilter(search="no such text"), limit=10, offset=0)
    assert (full.examined, full.partial) == (600, False)


def test_a_full_page_stops_the_scan_early(logs_dir: Path) -> None:
    page = query_entries(logs_dir, EntryFilter(), limit=5, offset=0)
    assert page.examined == 5
    assert not page.partial


def test_bisect_finds_a_bound_that_keeps_every_earlier_line(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    records = [log_entry(start + timedelta(seconds=second), "x" * 40) for second in range(20000)]
    path.write_bytes(b"".join(encode(record) for record in records))
    data = path.read_bytes()
    for second in (0, 1, 5000, 12345, 19999, 25000):
        moment = start + timedelta(seconds=second)
        with path.open("rb") as handle:
            bound = offset_after(handle, len(data), moment)
        assert bound == len(data) or data[bound - 1 : bound] == b"\n"
        kept = data[:bound].count(b"\n")
        assert kept >= min(second + 1, 20000)
        assert kept <= second + 1 + 2000  # the bisection stops within one probe window


def test_summary_is_found_by_scanning(logs_dir: Path) -> None:
    record = find_summary_by_scan(logs_dir, "hook-010")
    assert record is not None
    assert (record["hook_id"], record["status"]) == ("hook-010", "failed")
    assert find_summary_by_scan(logs_dir, "hook-999") is None


def test_missing_directory_gives_nothing(tmp_path: Path) -> None:
    assert list(scan(tmp_path / "absent", EntryFilter())) == []


def test_foreign_lines_are_skipped(tmp_path: Path) -> None:
    path = day_path(tmp_path, T0.date())
    good = log_entry(T0, "kept")
    path.write_bytes(b"not json\n[1, 2]\n" + encode(good) + b"{broken\n")
    entries = query_entries(tmp_path, EntryFilter(), limit=10, offset=0).entries
    assert [entry["message"] for entry in entries] == ["kept"]
    assert record_time(good) == entries[0]["timestamp"]
