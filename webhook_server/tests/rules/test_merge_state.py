"""`has-conflicts` / `needs-rebase` decisions (§4.1), the resulting label changes, and when a null
`mergeable` is looked at again."""

import pytest

from webhook_server.libs.rules.label_changes import LabelDiff
from webhook_server.libs.rules.merge_state import (
    CompareResult,
    MergeStateDecision,
    RecheckSchedule,
    decide_merge_state,
    merge_state_label_diff,
    next_recheck_delay,
)

BEHIND = CompareResult(behind_by=3, status="behind")
DIVERGED = CompareResult(behind_by=0, status="diverged")
UP_TO_DATE = CompareResult(behind_by=0, status="ahead")


@pytest.mark.parametrize(
    ("mergeable", "compare", "expected"),
    [
        (None, BEHIND, MergeStateDecision(None, None)),
        (False, BEHIND, MergeStateDecision(True, None)),
        (False, UP_TO_DATE, MergeStateDecision(True, None)),
        (True, BEHIND, MergeStateDecision(False, True)),
        (True, DIVERGED, MergeStateDecision(False, True)),
        (True, UP_TO_DATE, MergeStateDecision(False, False)),
        (True, CompareResult(behind_by=0, status="identical"), MergeStateDecision(False, False)),
        (True, None, MergeStateDecision(False, None)),
    ],
    ids=[
        "unknown-leaves-both",
        "conflicts-stop-rebase-check",
        "conflicts-even-when-up-to-date",
        "behind",
        "diverged",
        "ahead",
        "identical",
        "compare-failed",
    ],
)
def test_decide_merge_state(
    mergeable: bool | None, compare: CompareResult | None, expected: MergeStateDecision
) -> None:
    assert decide_merge_state(mergeable, compare) == expected


@pytest.mark.parametrize(
    ("decision", "current", "expected"),
    [
        (MergeStateDecision(True, None), (), LabelDiff(to_add=("has-conflicts",))),
        (MergeStateDecision(True, None), ("needs-rebase",), LabelDiff(to_add=("has-conflicts",))),
        (MergeStateDecision(False, True), ("has-conflicts",), LabelDiff(("needs-rebase",), ("has-conflicts",))),
        (MergeStateDecision(False, False), ("needs-rebase", "x"), LabelDiff(to_remove=("needs-rebase",))),
        (MergeStateDecision(False, False), (), LabelDiff()),
        (MergeStateDecision(None, None), ("has-conflicts", "needs-rebase"), LabelDiff()),
        (MergeStateDecision(True, True), ("has-conflicts", "needs-rebase"), LabelDiff()),
    ],
    ids=[
        "add-conflicts",
        "keep-rebase-on-conflict",
        "conflicts-fixed-but-behind",
        "clears-stale-rebase",
        "nothing-to-clear",
        "unknown-changes-nothing",
        "already-present",
    ],
)
def test_merge_state_label_diff(decision: MergeStateDecision, current: tuple[str, ...], expected: LabelDiff) -> None:
    assert merge_state_label_diff(decision, current) == expected


SPEC_SCHEDULE = RecheckSchedule()


@pytest.mark.parametrize(
    ("waited", "expected"),
    [(0.0, 5.0), (12.0, 5.0), (29.9, 5.0), (30.0, 30.0), (200.0, 30.0), (590.0, 10.0), (600.0, None), (900.0, None)],
    ids=[
        "first",
        "inside-fast-window",
        "end-of-fast-window",
        "slow-after-30s",
        "slow",
        "capped-by-limit",
        "limit",
        "past",
    ],
)
def test_next_recheck_delay(waited: float, expected: float | None) -> None:
    assert next_recheck_delay(SPEC_SCHEDULE, waited) == expected
