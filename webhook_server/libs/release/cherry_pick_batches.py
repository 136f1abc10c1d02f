"""The cherry-picks of one PR as one batch: their shared `CherryPicked` check run and their order.

A PR's cherry-pick jobs run one after another (a lock per PR; jobs start in creation order, which is
label-name order). The check run stays `in_progress` while any of the batch runs and is completed once the
last one ended, from every target's outcome (`release.md` §1.2).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from webhook_server.libs.release.cherry_pick_text import TargetOutcome

BatchKey = tuple[str, str]  # (repository, original head SHA)


@dataclass
class _Batch:
    pending: list[str] = field(default_factory=list)
    outcomes: dict[str, TargetOutcome] = field(default_factory=dict)


class CherryPickBatches:
    """In-memory batches per (repository, original head SHA) and locks per (repository, PR)."""

    def __init__(self) -> None:
        self._batches: dict[BatchKey, _Batch] = {}
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}

    def add(self, key: BatchKey, targets: list[str]) -> list[str]:
        """Add targets to the batch; returns every target still pending, in order."""
        batch = self._batches.setdefault(key, _Batch())
        for target in targets:
            if target not in batch.pending:
                batch.pending.append(target)
            batch.outcomes.pop(target, None)
        return list(batch.pending)

    def finish(self, key: BatchKey, outcome: TargetOutcome) -> list[TargetOutcome] | None:
        """Record one target's outcome; when none is pending any more, end the batch and return all outcomes."""
        batch = self._batches.setdefault(key, _Batch())
        if outcome.target in batch.pending:
            batch.pending.remove(outcome.target)
        batch.outcomes[outcome.target] = outcome
        if batch.pending:
            return None
        del self._batches[key]
        return list(batch.outcomes.values())

    def lock(self, full_name: str, number: int) -> asyncio.Lock:
        """The lock that runs one PR's cherry-picks one after another."""
        return self._locks.setdefault((full_name, number), asyncio.Lock())
