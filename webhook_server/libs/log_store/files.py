"""Find the JSONL day files (``webhooks_YYYY-MM-DD.json``) of a log directory, newest first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

_DAY_FILE = re.compile(r"^webhooks_(\d{4}-\d{2}-\d{2})\.json$")


@dataclass(frozen=True, order=True)
class DayFile:
    """One JSONL file and the UTC day it holds."""

    day: date
    path: Path

    @property
    def day_start(self) -> datetime:
        """Midnight UTC at the start of the file's day."""
        return datetime.combine(self.day, time(0), tzinfo=UTC)

    @property
    def day_end(self) -> datetime:
        """Midnight UTC after the file's day (no record of the file is at or after it)."""
        return self.day_start + timedelta(days=1)


def day_file_name(day: date) -> str:
    """The file name the writer uses for ``day``."""
    return f"webhooks_{day.isoformat()}.json"


def parse_day_file(path: Path) -> DayFile | None:
    """The ``DayFile`` for ``path``, or None when the name is not a JSONL day file."""
    match = _DAY_FILE.match(path.name)
    if match is None:
        return None
    try:
        return DayFile(day=date.fromisoformat(match.group(1)), path=path)
    except ValueError:
        return None


def list_day_files(logs_dir: Path) -> list[DayFile]:
    """Every JSONL day file in ``logs_dir``, newest day first; empty when the directory is missing."""
    if not logs_dir.is_dir():
        return []
    found = [day_file for entry in logs_dir.iterdir() if (day_file := parse_day_file(entry)) is not None]
    return sorted(found, reverse=True)
