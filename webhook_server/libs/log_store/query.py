"""Newest-first scans over the JSONL day files, with a scan budget and early stops.

Files are taken newest day first and each is read backwards, so entries come out in time order
without a sorting buffer. Memory is one block per open file plus what the caller keeps.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from webhook_server.libs.log_store.files import DayFile, list_day_files
from webhook_server.libs.log_store.filters import EntryFilter
from webhook_server.libs.log_store.prefilter import compile_line_check
from webhook_server.libs.log_store.records import is_summary, parse_record, parse_timestamp, to_entry
from webhook_server.libs.log_store.reverse_reader import read_lines_backwards

# Records reach the single writer slightly out of time order; bounds are widened by this much.
ORDER_SLACK = timedelta(minutes=5)
_BISECT_STOP = 64 * 1024


@dataclass(frozen=True)
class ScanBudget:
    """How much one query may read before it stops and reports a partial scan."""

    max_records: int = 500_000
    max_files: int = 31


DEFAULT_BUDGET = ScanBudget()
PR_FLOW_BUDGET = ScanBudget(max_records=10_000, max_files=15)


@dataclass
class ScanStats:
    """What a scan examined, and whether it stopped because of its budget."""

    examined: int = 0
    budget_hit: bool = False
    files_opened: int = 0


@dataclass(frozen=True)
class ScannedRecord:
    """One matching record, where it was found, and its §6.3 entry."""

    day_file: DayFile
    offset: int
    record: dict[str, Any]
    entry: dict[str, Any]


@dataclass
class EntriesPage:
    """One page of entries and the scan figures of ``GET /logs/api/entries``."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    examined: int = 0
    partial: bool = False


def scan(
    logs_dir: Path, entry_filter: EntryFilter, budget: ScanBudget = DEFAULT_BUDGET, stats: ScanStats | None = None
) -> Iterator[ScannedRecord]:
    """Matching records, newest first, until the files, the time window or the budget run out."""
    stats = stats if stats is not None else ScanStats()
    for day_file in list_day_files(logs_dir):
        if entry_filter.end_time is not None and day_file.day_start - ORDER_SLACK > entry_filter.end_time:
            continue
        if entry_filter.start_time is not None and day_file.day_end <= entry_filter.start_time:
            return
        if stats.files_opened == budget.max_files:
            stats.budget_hit = True
            return
        stats.files_opened += 1
        reached_start = yield from _scan_file(day_file, entry_filter, budget, stats)
        if reached_start or stats.budget_hit:
            return


def _scan_file(
    day_file: DayFile, entry_filter: EntryFilter, budget: ScanBudget, stats: ScanStats
) -> Generator[ScannedRecord, None, bool]:
    """Scan one file backwards; the generator's return value tells whether the start time was passed."""
    try:
        handle = day_file.path.open("rb")
    except FileNotFoundError:
        return False  # removed by retention since it was listed
    start_floor = entry_filter.start_time - ORDER_SLACK if entry_filter.start_time is not None else None
    line_check = compile_line_check(entry_filter)
    with handle:
        end = os.fstat(handle.fileno()).st_size
        if entry_filter.end_time is not None:
            end = offset_after(handle, end, entry_filter.end_time + ORDER_SLACK)
        allowed = budget.max_records - stats.examined
        examined = 0
        try:
            for offset, line in read_lines_backwards(handle, end):
                if examined == allowed:
                    stats.budget_hit = True
                    return False
                examined += 1
                if line_check is not None and not line_check(line):
                    continue
                record = parse_record(line)
                if record is None:
                    continue
                entry = to_entry(record)
                if start_floor is not None and _is_before(entry, start_floor):
                    return True
                if entry_filter.matches(entry, record):
                    yield ScannedRecord(day_file=day_file, offset=offset, record=record, entry=entry)
        finally:
            stats.examined += examined
    return False


def _is_before(entry: dict[str, Any], floor: datetime) -> bool:
    moment = parse_timestamp(entry["timestamp"])
    return moment is not None and moment < floor


def offset_after(handle: BinaryIO, size: int, moment: datetime) -> int:
    """A line start (or ``size``) such that no line at or after it has a timestamp at or before ``moment``.

    Bisects on byte offsets, relying on the file being in time order; gives up (returns what it has
    proven) when a probed line has no readable timestamp.
    """
    low, high = 0, size
    while high - low > _BISECT_STOP:
        middle = (low + high) // 2
        handle.seek(middle - 1)
        if handle.read(1) != b"\n":
            handle.readline()
        line_start = handle.tell()
        line = handle.readline()
        if line_start >= high or not line.endswith(b"\n"):
            break
        record = parse_record(line)
        moment_of_line = parse_timestamp(to_entry(record)["timestamp"]) if record is not None else None
        if moment_of_line is None:
            break
        if moment_of_line > moment:
            high = line_start
        else:
            low = line_start + len(line)
    return high


def query_entries(
    logs_dir: Path, entry_filter: EntryFilter, *, limit: int, offset: int, budget: ScanBudget = DEFAULT_BUDGET
) -> EntriesPage:
    """Skip ``offset`` matching entries, then collect up to ``limit``; stops as soon as the page is full."""
    stats = ScanStats()
    page = EntriesPage()
    skipped = 0
    for item in scan(logs_dir, entry_filter, budget, stats):
        if skipped < offset:
            skipped += 1
            continue
        page.entries.append(item.entry)
        if len(page.entries) >= limit:
            break
    page.examined = stats.examined
    page.partial = stats.budget_hit
    return page


def find_summary_by_scan(logs_dir: Path, hook_id: str, budget: ScanBudget = DEFAULT_BUDGET) -> dict[str, Any] | None:
    """The newest ``webhook_summary`` record for ``hook_id``, found by scanning (no index)."""
    for item in scan(logs_dir, EntryFilter(hook_id=hook_id), budget):
        if is_summary(item.record):
            return item.record
    return None


def read_record_at(path: Path, offset: int) -> dict[str, Any] | None:
    """The record on the line starting at ``offset`` of ``path``, or None when it is gone."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            return parse_record(handle.readline())
    except FileNotFoundError:
        return None
