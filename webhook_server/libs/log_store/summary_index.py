"""In-memory index of the JSONL logs: hook id → location of its summary, and exact record counts.

Built in the background at startup (``build``, run in a thread) and kept current by the tailer
(``note_line``). Until it is ready, summary lookups fall back to a budgeted scan.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from webhook_server.libs.log_store.files import DayFile, day_file_name, list_day_files
from webhook_server.libs.log_store.query import find_summary_by_scan, read_record_at
from webhook_server.libs.log_store.records import is_summary, parse_record

_CHUNK = 1024 * 1024
_OFFSET_BITS = 40
_OFFSET_MASK = (1 << _OFFSET_BITS) - 1
_LOG_ENTRY_MARKERS = (b'"type": "log_entry"', b'"type":"log_entry"')
_SAMPLE_BYTES = 64 * 1024


@dataclass
class _FileCount:
    """Records counted in the prefix ``[0, counted_upto)`` of one file."""

    records: int = 0
    counted_upto: int = 0


class LogIndex:
    """Summary locations by hook id, and record counts per day file."""

    def __init__(self, logs_dir: Path) -> None:
        self.logs_dir = logs_dir
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._summaries: dict[str, int] = {}  # hook id → day ordinal << 40 | line offset
        self._counts: dict[date, _FileCount] = {}

    def build(self) -> None:
        """Index every existing day file, oldest first, up to its current end (blocking; run in a thread)."""
        for day_file in sorted(list_day_files(self.logs_dir)):
            self._catch_up(day_file)
        self._ready.set()

    def is_ready(self) -> bool:
        """True once ``build`` has indexed every file that existed when it ran."""
        return self._ready.is_set()

    def _catch_up(self, day_file: DayFile) -> None:
        """Extend the counted prefix of ``day_file`` to its current end."""
        while True:
            with self._lock:
                counted = self._counts.setdefault(day_file.day, _FileCount())
                start, records_before = counted.counted_upto, counted.records
            try:
                records, end, summaries = _read_forward(day_file.path, start)
            except FileNotFoundError:
                return
            if end == start:
                return
            with self._lock:
                if counted.counted_upto != start:
                    continue  # the tailer moved the prefix meanwhile; read again from there
                counted.records = records_before + records
                counted.counted_upto = end
                for hook_id, offset in summaries:
                    self._summaries[hook_id] = _pack(day_file.day, offset)

    def note_line(self, day_file: DayFile, offset: int, length: int, record: dict[str, Any] | None) -> None:
        """Record one new complete line (``length`` bytes without its newline) seen by the tailer."""
        with self._lock:
            counted = self._counts.setdefault(day_file.day, _FileCount())
            if counted.counted_upto == offset:
                counted.records += 1
                counted.counted_upto = offset + length + 1
            if record is not None and is_summary(record) and isinstance(record.get("hook_id"), str):
                self._summaries[record["hook_id"]] = _pack(day_file.day, offset)

    def forget_file(self, day_file: DayFile) -> None:
        """Drop the counts of a file that was truncated or replaced (its lines are counted again)."""
        with self._lock:
            self._counts.pop(day_file.day, None)

    def find_summary(self, hook_id: str) -> dict[str, Any] | None:
        """The summary record of ``hook_id``: through the index when ready, else by a budgeted scan."""
        with self._lock:
            packed = self._summaries.get(hook_id)
        if packed is not None:
            day, offset = _unpack(packed)
            record = read_record_at(self.logs_dir / day_file_name(day), offset)
            if record is not None and record.get("hook_id") == hook_id and is_summary(record):
                return record
        if self.is_ready():
            return None
        return find_summary_by_scan(self.logs_dir, hook_id)

    def total_records(self) -> int:
        """Records in the existing day files: exact for counted prefixes, estimated for the rest."""
        files = list_day_files(self.logs_dir)
        with self._lock:
            counted = {day: (count.records, count.counted_upto) for day, count in self._counts.items()}
        exact = 0
        counted_bytes = 0
        uncounted_bytes = 0
        for day_file in files:
            size = _size_of(day_file.path)
            records, upto = counted.get(day_file.day, (0, 0))
            exact += records
            counted_bytes += upto
            uncounted_bytes += max(0, size - upto)
        if uncounted_bytes == 0:
            return exact
        average = counted_bytes / exact if exact else _sample_line_length(files[0].path)
        return exact + round(uncounted_bytes / average) if average else exact


def _read_forward(path: Path, start: int) -> tuple[int, int, list[tuple[str, int]]]:
    """Complete lines from ``start`` to the current end: (count, end of the last one, summaries found)."""
    records = 0
    summaries: list[tuple[str, int]] = []
    with path.open("rb") as handle:
        handle.seek(start)
        position = start
        carry = b""
        while chunk := handle.read(_CHUNK):
            data = carry + chunk
            lines = data.split(b"\n")
            carry = lines.pop()
            for line in lines:
                if line:
                    records += 1
                    if not any(marker in line for marker in _LOG_ENTRY_MARKERS):
                        _collect_summary(line, position, summaries)
                position += len(line) + 1
    return records, position, summaries


def _collect_summary(line: bytes, offset: int, summaries: list[tuple[str, int]]) -> None:
    record = parse_record(line)
    if record is not None and is_summary(record) and isinstance(record.get("hook_id"), str):
        summaries.append((record["hook_id"], offset))


def _pack(day: date, offset: int) -> int:
    return day.toordinal() << _OFFSET_BITS | offset


def _unpack(packed: int) -> tuple[date, int]:
    return date.fromordinal(packed >> _OFFSET_BITS), packed & _OFFSET_MASK


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _sample_line_length(path: Path) -> float:
    """Average line length of the last block of ``path`` (0 when it has no complete line)."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - _SAMPLE_BYTES))
            sample = handle.read(_SAMPLE_BYTES)
    except FileNotFoundError:
        return 0.0
    lines = sample.count(b"\n")
    return len(sample) / lines if lines else 0.0
