"""The `can-be-merged` verdict: every failing reason, in the spec's order and wording (§12)."""

from dataclasses import replace

import pytest

from webhook_server.libs.rules.can_be_merged import (
    CAN_BE_MERGED_TITLE,
    CheckClass,
    CheckRunState,
    CommitStatus,
    MergeReasonCode,
    MergeSnapshot,
    ReviewThread,
    classify_check,
    evaluate_merge,
    lgtm_eligible,
    missing_approvers,
)
from webhook_server.libs.rules.owners import OwnersFile, resolve_pr_owners

ROOT = OwnersFile(".", approvers=("root1",), reviewers=("root-rev",))
API = OwnersFile("api", approvers=("api-lead", "api-second"), reviewers=("api-rev", "author"))
UI = OwnersFile("ui", approvers=("ui-lead",), reviewers=("ui-rev",), root_approvers=False)
CORE = OwnersFile("core", approvers=("core-lead",), reviewers=("core-rev",), root_approvers=False)
TREE = {".": ROOT, "api": API, "ui": UI, "core": CORE}
OWNERS_API = resolve_pr_owners(TREE, ["api/x.py"])
OWNERS_NO_ROOT = resolve_pr_owners(TREE, ["ui/a.ts", "core/b.py"])

PASSING_RUNS = (
    CheckRunState("tox", "completed", "success", id=10),
    CheckRunState("verified", "completed", "success", id=11),
)
GOOD = MergeSnapshot(
    mergeable=True,
    labels=("approved-root1", "lgtm-api-rev"),
    owners=OWNERS_API,
    pr_author="author",
    required_checks=("tox", "verified"),
    check_runs=PASSING_RUNS,
    minimum_lgtm=1,
)


def _with(**changes: object) -> MergeSnapshot:
    return replace(GOOD, **changes)  # type: ignore[arg-type]


def _runs(*runs: CheckRunState) -> tuple[CheckRunState, ...]:
    return runs


CASES: list[tuple[str, MergeSnapshot, str]] = [
    ("all-good", GOOD, ""),
    ("not-mergeable", _with(mergeable=False), "PR is not mergeable: False\n"),
    ("mergeability-unknown", _with(mergeable=None), "PR mergeability is not known yet\n"),
    (
        "check-in-progress",
        _with(check_runs=_runs(CheckRunState("tox", "in_progress", id=12), PASSING_RUNS[1])),
        "Some required check runs in progress tox\n",
    ),
    ("hold", _with(labels=(*GOOD.labels, "hold")), "Hold label exists.\n"),
    ("wip", _with(labels=(*GOOD.labels, "wip")), "WIP label exists.\n"),
    ("hold-and-wip", _with(labels=("wip", *GOOD.labels, "hold")), "Hold label exists.\nWIP label exists.\n"),
    (
        "check-failed",
        _with(check_runs=_runs(CheckRunState("tox", "completed", "failure", id=12), PASSING_RUNS[1])),
        "Some check runs failed: tox\n",
    ),
    (
        "cancelled-timed-out-stale-action-required-fail",
        _with(
            required_checks=("a", "b", "c", "d"),
            check_runs=_runs(
                CheckRunState("a", "completed", "cancelled"),
                CheckRunState("b", "completed", "timed_out"),
                CheckRunState("c", "completed", "stale"),
                CheckRunState("d", "completed", "action_required"),
            ),
        ),
        "Some check runs failed: a, b, c, d\n",
    ),
    (
        "neutral-and-skipped-pass",
        _with(
            required_checks=("a", "b"),
            check_runs=_runs(CheckRunState("a", "completed", "neutral"), CheckRunState("b", "completed", "skipped")),
        ),
        "",
    ),
    ("check-not-started-missing", _with(check_runs=PASSING_RUNS[1:]), "Some check runs not started: tox\n"),
    (
        "check-queued-is-not-started",
        _with(check_runs=_runs(CheckRunState("tox", "queued", id=12), PASSING_RUNS[1])),
        "Some check runs not started: tox\n",
    ),
    (
        "latest-run-wins",
        _with(check_runs=(*PASSING_RUNS, CheckRunState("tox", "completed", "failure", id=99))),
        "Some check runs failed: tox\n",
    ),
    (
        "older-failure-ignored",
        _with(check_runs=(CheckRunState("tox", "completed", "failure", id=1), *PASSING_RUNS)),
        "",
    ),
    (
        "status-contexts",
        _with(
            required_checks=("ci/ok", "ci/bad", "ci/err", "ci/wait", "ci/none"),
            check_runs=(),
            statuses=(
                CommitStatus("ci/ok", "success"),
                CommitStatus("ci/bad", "failure"),
                CommitStatus("ci/err", "error"),
                CommitStatus("ci/wait", "pending"),
            ),
        ),
        "Some check runs failed: ci/bad, ci/err\nSome check runs not started: ci/wait, ci/none\n",
    ),
    (
        "latest-status-wins",
        _with(
            required_checks=("ci",),
            check_runs=(),
            statuses=(CommitStatus("ci", "success", id=5), CommitStatus("ci", "failure", id=2)),
        ),
        "",
    ),
    (
        "check-run-beats-status",
        _with(
            required_checks=("ci",),
            check_runs=_runs(CheckRunState("ci", "completed", "success")),
            statuses=(CommitStatus("ci", "failure"),),
        ),
        "",
    ),
    (
        "failed-and-not-started",
        _with(
            required_checks=("tox", "verified", "lint"), check_runs=_runs(CheckRunState("tox", "completed", "failure"))
        ),
        "Some check runs failed: tox\nSome check runs not started: verified, lint\n",
    ),
    (
        "changes-requested-by-approver",
        _with(labels=(*GOOD.labels, "changes-requested-API-LEAD")),
        "PR has changed requests from approvers\n",
    ),
    ("changes-requested-by-non-approver-ignored", _with(labels=(*GOOD.labels, "changes-requested-random")), ""),
    (
        "missing-required-labels",
        _with(required_labels=("signed-off", "qe-ok", "lgtm-api-rev")),
        "Missing required labels: signed-off, qe-ok\n",
    ),
    (
        "unresolved-threads",
        _with(
            unresolved_threads=(
                ReviewThread("api/x.py", 12, "https://gh/t/1"),
                ReviewThread("api/y.py", 3, "https://gh/t/2", outdated=True),
                ReviewThread("README.md", None, "https://gh/t/3"),
            )
        ),
        "PR has 3 unresolved review conversation(s):\n"
        "  - api/x.py:12 (https://gh/t/1)\n"
        "  - api/y.py:3 (outdated) (https://gh/t/2)\n"
        "  - README.md (https://gh/t/3)\n",
    ),
    (
        "missing-approval",
        _with(labels=("lgtm-api-rev",)),
        "Missing approved from approvers: api-lead, api-second, root1\n",
    ),
    (
        "sub-approver-not-enough-when-root-applies",
        _with(labels=("approved-api-lead", "lgtm-api-rev")),
        "Missing approved from approvers: root1\n",
    ),
    (
        "no-root-needs-each-directory",
        _with(owners=OWNERS_NO_ROOT, labels=("approved-ui-lead", "lgtm-ui-rev")),
        "Missing approved from approvers: core-lead\n",
    ),
    (
        "no-root-all-directories-approved",
        _with(owners=OWNERS_NO_ROOT, labels=("approved-ui-lead", "approved-core-lead", "lgtm-ui-rev")),
        "",
    ),
    ("root-approver-approves-no-root-pr", _with(owners=OWNERS_NO_ROOT, labels=("approved-Root1", "lgtm-ui-rev")), ""),
    (
        "missing-lgtm",
        _with(labels=("approved-root1",), minimum_lgtm=2),
        "Missing lgtm from reviewers. Minimum 2 required, (0 given). Reviewers: api-rev, root-rev, root1.\n",
    ),
    (
        "lgtm-from-ineligible-does-not-count",
        _with(labels=("approved-root1", "lgtm-stranger", "lgtm-author")),
        "Missing lgtm from reviewers. Minimum 1 required, (0 given). Reviewers: api-rev, root-rev, root1.\n",
    ),
    ("lgtm-minimum-zero-skips-rule", _with(labels=("approved-root1",), minimum_lgtm=0), ""),
    (
        "lgtm-all-eligible-given-below-minimum",
        _with(labels=("approved-root1", "lgtm-api-rev", "lgtm-root1", "lgtm-root-rev"), minimum_lgtm=5),
        "",
    ),
    (
        "every-reason-in-order",
        _with(
            mergeable=False,
            labels=("hold", "wip", "changes-requested-root1"),
            check_runs=_runs(CheckRunState("tox", "in_progress"), CheckRunState("lint", "completed", "failure")),
            required_checks=("tox", "lint", "verified"),
            required_labels=("signed-off",),
            unresolved_threads=(ReviewThread("a.py", 1, "u"),),
        ),
        "PR is not mergeable: False\n"
        "Some required check runs in progress tox\n"
        "Hold label exists.\n"
        "WIP label exists.\n"
        "Some check runs failed: lint\n"
        "Some check runs not started: verified\n"
        "PR has changed requests from approvers\n"
        "Missing required labels: signed-off\n"
        "PR has 1 unresolved review conversation(s):\n  - a.py:1 (u)\n"
        "Missing approved from approvers: api-lead, api-second, root1\n"
        "Missing lgtm from reviewers. Minimum 1 required, (0 given). Reviewers: api-rev, root-rev, root1.\n",
    ),
]


@pytest.mark.parametrize(("snapshot", "expected_text"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_evaluate_merge(snapshot: MergeSnapshot, expected_text: str) -> None:
    verdict = evaluate_merge(snapshot)
    assert verdict.text == expected_text
    assert verdict.can_merge is (expected_text == "")
    assert verdict.output.title == CAN_BE_MERGED_TITLE
    assert verdict.output.text == expected_text


def test_verdict_reason_codes_and_recheck() -> None:
    verdict = evaluate_merge(_with(mergeable=None, labels=("hold",)))
    assert verdict.reason == "mergeability_unknown,hold,missing_approval,missing_lgtm"
    assert verdict.recheck_later
    assert [reason.code for reason in verdict.reasons][:2] == [
        MergeReasonCode.MERGEABILITY_UNKNOWN,
        MergeReasonCode.HOLD,
    ]
    good = evaluate_merge(GOOD)
    assert good.reason == ""
    assert not good.recheck_later
    assert good.output.text == ""


@pytest.mark.parametrize(
    ("run", "status", "expected"),
    [
        (CheckRunState("x", "completed", "success"), None, CheckClass.PASSED),
        (CheckRunState("x", "completed", None), None, CheckClass.FAILED),
        (CheckRunState("x", "completed", "startup_failure"), None, CheckClass.FAILED),
        (CheckRunState("x", "in_progress"), None, CheckClass.IN_PROGRESS),
        (CheckRunState("x", "waiting"), None, CheckClass.NOT_STARTED),
        (None, CommitStatus("x", "success"), CheckClass.PASSED),
        (None, CommitStatus("x", "pending"), CheckClass.NOT_STARTED),
        (None, None, CheckClass.NOT_STARTED),
    ],
    ids=[
        "success",
        "no-conclusion",
        "unknown-conclusion",
        "in-progress",
        "waiting",
        "status-ok",
        "status-pending",
        "nothing",
    ],
)
def test_classify_check(run: CheckRunState | None, status: CommitStatus | None, expected: CheckClass) -> None:
    runs = {"x": run} if run else {}
    statuses = {"x": status} if status else {}
    assert classify_check("x", runs, statuses) is expected


def test_approval_rule_helpers() -> None:
    assert missing_approvers(OWNERS_API, ("approved-root1",)) == ()
    assert missing_approvers(OWNERS_API, ()) == ("api-lead", "api-second", "root1")
    assert missing_approvers(OWNERS_NO_ROOT, ("approved-core-lead",)) == ("ui-lead",)
    assert lgtm_eligible(OWNERS_API, "author") == ("api-rev", "root-rev", "root1")
    assert lgtm_eligible(OWNERS_API, "API-REV") == ("author", "root-rev", "root1")


def test_author_approval_counts_like_the_reference() -> None:
    owners = resolve_pr_owners({".": OwnersFile(".", approvers=("solo",))}, ["a.py"])
    snapshot = MergeSnapshot(mergeable=True, labels=("approved-solo",), owners=owners, pr_author="solo")
    assert evaluate_merge(snapshot).can_merge
