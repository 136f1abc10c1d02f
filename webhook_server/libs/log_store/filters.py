"""Viewer filters: validate query parameters (§6.4) and decide whether an entry matches.

``EntryFilter.matches`` is the exact rule; ``prefilter.compile_line_check`` derives a cheap necessary
condition on the raw JSONL bytes from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from webhook_server.libs.log_store.records import parse_timestamp

VALID_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "COMPLETED", "STEP", "SUCCESS")
LEVEL_RANK = {
    "DEBUG": 10,
    "INFO": 20,
    "STEP": 20,
    "SUCCESS": 20,
    "COMPLETED": 20,
    "WARNING": 30,
    "ERROR": 40,
    "CRITICAL": 50,
}


class FilterError(ValueError):
    """A query parameter is invalid; the message is the 400 ``detail``."""


def parse_levels(value: str | None) -> frozenset[str] | None:
    """Upper-cased levels of a comma-separated, case-insensitive list; None when not given."""
    if value is None or not value.strip():
        return None
    levels = set()
    for item in value.split(","):
        level = item.strip().upper()
        if level not in VALID_LEVELS:
            raise FilterError(f"Invalid level: {item.strip()}")
        levels.add(level)
    return frozenset(levels)


def parse_min_level(value: str | None) -> int | None:
    """The rank of a minimum level (``DEBUG`` … ``CRITICAL``), or None when not given."""
    if value is None or not value.strip():
        return None
    level = value.strip().upper()
    if level not in LEVEL_RANK:
        raise FilterError(f"Invalid min_level: {value}")
    return LEVEL_RANK[level]


def parse_time(value: str | None, name: str) -> datetime | None:
    """An aware UTC datetime (``Z`` accepted, no timezone means UTC); ``name`` is used in the error."""
    if value is None or not value.strip():
        return None
    moment = parse_timestamp(value.strip())
    if moment is None:
        raise FilterError(f"Invalid {name} format: {value}")
    return moment


@dataclass(frozen=True)
class EntryFilter:
    """All viewer filters; None means "not filtered"."""

    hook_id: str | None = None
    pr_number: int | None = None
    repository: str | None = None
    event_type: str | None = None
    github_user: str | None = None
    levels: frozenset[str] | None = None
    min_level_rank: int | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    search: str | None = None

    @property
    def folded_search(self) -> str | None:
        """The search text, casefolded."""
        return self.search.casefold() if self.search else None

    def matches(self, entry: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
        """True when the §6.3 ``entry`` (built from ``record``) passes every filter."""
        return self._matches_fields(entry, record) and self._matches_level(entry) and self._matches_text(entry)

    def _matches_fields(self, entry: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
        if self.hook_id is not None and entry["hook_id"] != self.hook_id:
            return False
        if self.pr_number is not None and entry["pr_number"] != self.pr_number:
            return False
        if self.event_type is not None and entry["event_type"] != self.event_type:
            return False
        if self.github_user is not None and entry["github_user"] != self.github_user:
            return False
        return self.repository is None or _repository_matches(self.repository, entry, record)

    def _matches_level(self, entry: Mapping[str, Any]) -> bool:
        level = str(entry["level"] or "").upper()
        if self.levels is not None and level not in self.levels:
            return False
        return self.min_level_rank is None or LEVEL_RANK.get(level, 0) >= self.min_level_rank

    def _matches_text(self, entry: Mapping[str, Any]) -> bool:
        if self.start_time is not None or self.end_time is not None:
            moment = parse_timestamp(entry["timestamp"])
            if moment is None:
                return False
            if self.start_time is not None and moment < self.start_time:
                return False
            if self.end_time is not None and moment > self.end_time:
                return False
        folded = self.folded_search
        return folded is None or folded in str(entry["message"]).casefold()


def _repository_matches(wanted: str, entry: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Exact short name, or full name (``org/repo``) when the record carries or implies it."""
    if "/" not in wanted:
        return bool(entry["repository"] == wanted)
    full_name = record.get("repository_full_name")
    if isinstance(full_name, str):
        return full_name == wanted
    return bool(entry["repository"] == wanted.rsplit("/", 1)[1])


def build_filter(params: Mapping[str, Any]) -> EntryFilter:
    """An ``EntryFilter`` from raw parameters; raises ``FilterError`` for invalid values."""
    return EntryFilter(
        hook_id=params.get("hook_id") or None,
        pr_number=params.get("pr_number"),
        repository=params.get("repository") or None,
        event_type=params.get("event_type") or None,
        github_user=params.get("github_user") or None,
        levels=parse_levels(params.get("level")),
        min_level_rank=parse_min_level(params.get("min_level")),
        start_time=parse_time(params.get("start_time"), "start_time"),
        end_time=parse_time(params.get("end_time"), "end_time"),
        search=params.get("search") or None,
    )
