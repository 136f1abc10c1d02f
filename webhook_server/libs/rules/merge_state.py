"""Merge-state labels `has-conflicts` and `needs-rebase` from `mergeable` and a compare (`pr-workflow.md` §4.1)."""

from collections.abc import Iterable
from dataclasses import dataclass

from webhook_server.libs.rules.label_changes import LabelDiff
from webhook_server.libs.rules.labels import HAS_CONFLICTS, NEEDS_REBASE

DIVERGED = "diverged"


@dataclass(frozen=True)
class CompareResult:
    """The parts of `GET /compare/<base>...<head owner>:<head ref>` that matter."""

    behind_by: int
    status: str


@dataclass(frozen=True)
class MergeStateDecision:
    """Target presence of each label; None means leave it unchanged."""

    has_conflicts: bool | None
    needs_rebase: bool | None


def decide_merge_state(mergeable: bool | None, compare: CompareResult | None) -> MergeStateDecision:
    """The §4.1 rule. `mergeable` None = still unknown (a deferred re-check follows); `compare` None = the
    compare failed.

    Conflicts stop the evaluation: `needs-rebase` is left as is while `mergeable` is false.
    """
    if mergeable is None:
        return MergeStateDecision(has_conflicts=None, needs_rebase=None)
    if not mergeable:
        return MergeStateDecision(has_conflicts=True, needs_rebase=None)
    if compare is None:
        return MergeStateDecision(has_conflicts=False, needs_rebase=None)
    behind = compare.behind_by > 0 or compare.status == DIVERGED
    return MergeStateDecision(has_conflicts=False, needs_rebase=behind)


def merge_state_label_diff(decision: MergeStateDecision, current: Iterable[str]) -> LabelDiff:
    """The label changes that bring `current` to the decision (only labels that actually change)."""
    present = set(current)
    to_add: list[str] = []
    to_remove: list[str] = []
    for label, wanted in ((HAS_CONFLICTS, decision.has_conflicts), (NEEDS_REBASE, decision.needs_rebase)):
        if wanted is True and label not in present:
            to_add.append(label)
        elif wanted is False and label in present:
            to_remove.append(label)
    return LabelDiff(to_add=tuple(to_add), to_remove=tuple(to_remove))


@dataclass(frozen=True)
class RecheckSchedule:
    """When to look at a null `mergeable` again: every `fast_interval` s during the first `fast_window` s
    (§4.1), then every `slow_interval` s (§12's re-evaluation), giving up after `limit` s."""

    fast_interval: float = 5.0
    fast_window: float = 30.0
    slow_interval: float = 30.0
    limit: float = 600.0


def next_recheck_delay(schedule: RecheckSchedule, waited: float) -> float | None:
    """Seconds until the next re-check of a `mergeable` still null after `waited` s; None: give up."""
    if waited >= schedule.limit:
        return None
    interval = schedule.fast_interval if waited < schedule.fast_window else schedule.slow_interval
    return min(interval, schedule.limit - waited)
