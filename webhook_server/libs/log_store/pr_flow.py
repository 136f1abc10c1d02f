"""The ``pr-flow`` response (§6.6): workflow stages found by message patterns, kept for compatibility."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from webhook_server.libs.log_store.filters import EntryFilter, FilterError
from webhook_server.libs.log_store.records import parse_timestamp

STAGE_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Webhook Received", ("Processing webhook",)),
    ("Validation Complete", ("Signature verification successful", "Processing webhook for")),
    ("Reviewers Assigned", ("Added reviewer", "OWNERS file", "reviewer assignment")),
    ("Labels Applied", ("label", "tag")),
    ("Checks Started", ("check", "test", "build")),
    ("Checks Complete", ("check.*complete", "test.*pass", "build.*success")),
    ("Processing Complete", ("completed successfully", "processing complete")),
)
_COMPILED = tuple(
    (name, tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)) for name, patterns in STAGE_PATTERNS
)


@dataclass(frozen=True)
class FlowTarget:
    """What a pr-flow identifier names: a delivery id or a PR number."""

    hook_id: str | None = None
    pr_number: int | None = None

    def as_filter(self) -> EntryFilter:
        """The entry filter selecting this target's entries."""
        return EntryFilter(hook_id=self.hook_id, pr_number=self.pr_number)


def parse_identifier(identifier: str) -> FlowTarget:
    """``hook-<id>`` → delivery, ``pr-<n>`` → PR (non-integer → ``FilterError``), digits → PR, else delivery."""
    if identifier.startswith("hook-"):
        return FlowTarget(hook_id=identifier[len("hook-") :])
    if identifier.startswith("pr-"):
        number = identifier[len("pr-") :]
        if not number.isdecimal():
            raise FilterError(f"Invalid PR number: {number}")
        return FlowTarget(pr_number=int(number))
    if identifier.isdecimal():
        return FlowTarget(pr_number=int(identifier))
    return FlowTarget(hook_id=identifier)


def _timed(entries: Sequence[Mapping[str, Any]]) -> list[tuple[datetime, Mapping[str, Any]]]:
    timed = [(moment, entry) for entry in entries if (moment := parse_timestamp(entry["timestamp"])) is not None]
    timed.sort(key=lambda pair: pair[0])
    return timed


def build_pr_flow(identifier: str, entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Stages in pattern order, each at the first matching entry, with the time since the previous stage."""
    timed = _timed(entries)
    first_moment = timed[0][0] if timed else None
    stages: list[dict[str, Any]] = []
    previous = first_moment
    error_message: str | None = None
    for name, patterns in _COMPILED:
        for moment, entry in timed:
            message = str(entry["message"])
            if not any(pattern.search(message) for pattern in patterns):
                continue
            stage: dict[str, Any] = {
                "name": name,
                "timestamp": moment.isoformat(),
                "duration_ms": None if moment == first_moment or previous is None else _ms(moment - previous),
            }
            if entry["level"] == "ERROR":
                stage["error"] = message
                error_message = error_message or message
            stages.append(stage)
            previous = moment
            break
    first_error = next((str(entry["message"]) for _, entry in timed if entry["level"] == "ERROR"), None)
    error_message = error_message or first_error
    flow: dict[str, Any] = {
        "identifier": identifier,
        "stages": stages,
        "total_duration_ms": _ms(timed[-1][0] - timed[0][0]) if timed else 0,
        "success": error_message is None,
    }
    if error_message is not None:
        flow["error"] = error_message
    return flow


def _ms(delta: Any) -> int:
    return int(delta.total_seconds() * 1000)
