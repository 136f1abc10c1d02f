"""Reviewer-state labels from reviews and `/approve`, `/lgtm`, and their reset or preservation on push."""

import pytest

from webhook_server.libs.rules.label_changes import LabelDiff
from webhook_server.libs.rules.reviewer_state import (
    ReviewCommandOutcome,
    approve_command,
    clean_rebase_comment,
    labels_kept_by_clean_rebase,
    lgtm_command,
    logins_with_label_prefix,
    review_body_has_approve,
    review_label_diff,
    review_labels_to_reset,
)


@pytest.mark.parametrize(
    ("state", "reviewer", "expected"),
    [
        ("approved", "bob", LabelDiff(("lgtm-bob",), ("changes-requested-bob",))),
        ("APPROVED", "bob", LabelDiff(("lgtm-bob",), ("changes-requested-bob",))),
        ("approved", "Author", LabelDiff()),
        ("changes_requested", "bob", LabelDiff(("changes-requested-bob",), ("lgtm-bob", "approved-bob"))),
        ("commented", "bob", LabelDiff(("commented-bob",))),
        ("dismissed", "bob", LabelDiff()),
    ],
    ids=[
        "approved",
        "approved-upper-case",
        "approved-by-author",
        "changes-requested-drops-own-labels",
        "commented",
        "dismissed",
    ],
)
def test_review_label_diff(state: str, reviewer: str, expected: LabelDiff) -> None:
    assert review_label_diff(state, reviewer, pr_author="author") == expected


@pytest.mark.parametrize(
    ("user", "cancel", "expected_diff", "allowed"),
    [
        ("alice", False, LabelDiff(("approved-alice",), ("changes-requested-alice",)), True),
        ("ALICE", False, LabelDiff(("approved-ALICE",), ("changes-requested-ALICE",)), True),
        ("alice", True, LabelDiff(to_remove=("approved-alice",)), True),
        ("mallory", False, LabelDiff(), False),
        ("mallory", True, LabelDiff(), False),
    ],
    ids=["approver", "approver-case", "cancel", "non-approver", "non-approver-cancel"],
)
def test_approve_command(user: str, cancel: bool, expected_diff: LabelDiff, allowed: bool) -> None:
    outcome = approve_command(user, approvers=("alice", "root-approver"), cancel=cancel)
    assert outcome.diff == expected_diff
    assert outcome.allowed is allowed


@pytest.mark.parametrize(
    ("user", "cancel", "expected"),
    [
        ("bob", False, ReviewCommandOutcome(LabelDiff(("lgtm-bob",), ("changes-requested-bob",)))),
        ("bob", True, ReviewCommandOutcome(LabelDiff(to_remove=("lgtm-bob",)))),
    ],
    ids=["lgtm", "cancel"],
)
def test_lgtm_command(user: str, cancel: bool, expected: ReviewCommandOutcome) -> None:
    assert lgtm_command(user, pr_author="author", cancel=cancel) == expected


@pytest.mark.parametrize("cancel", [False, True], ids=["lgtm", "cancel"])
def test_lgtm_refused_for_author(cancel: bool) -> None:
    outcome = lgtm_command("@Author", pr_author="author", cancel=cancel)
    assert not outcome.allowed
    assert outcome.diff.is_empty
    assert outcome.refusal is not None
    assert not outcome.refusal.startswith("/")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/approve", True),
        ("Looks good\n  /approve  \nthanks", True),
        ("/approve cancel", False),
        ("please /approve", False),
        ("", False),
        (None, False),
    ],
    ids=["alone", "trimmed-line", "cancel-form", "inline", "empty", "none"],
)
def test_review_body_has_approve(body: str | None, expected: bool) -> None:
    assert review_body_has_approve(body) is expected


LABELS = ("approved-alice", "lgtm-bob", "changes-requested-carol", "commented-dave", "verified", "size/M", "approved-")


def test_reset_and_preserved_labels() -> None:
    assert review_labels_to_reset(LABELS) == (
        "approved-alice",
        "lgtm-bob",
        "changes-requested-carol",
        "commented-dave",
        "approved-",
    )
    assert labels_kept_by_clean_rebase(LABELS) == (
        "approved-alice",
        "lgtm-bob",
        "changes-requested-carol",
        "commented-dave",
        "verified",
        "approved-",
    )
    assert logins_with_label_prefix(LABELS, "approved-") == ("alice",)


@pytest.mark.parametrize(
    ("preserved", "mentions"),
    [((), []), (("lgtm-bob", "verified"), ["`lgtm-bob`", "`verified`"])],
    ids=["no-labels", "with-labels"],
)
def test_clean_rebase_comment(preserved: tuple[str, ...], mentions: list[str]) -> None:
    comment = clean_rebase_comment("0123456789abcdef", preserved)
    assert "`0123456`" in comment
    assert "0123456789" not in comment
    assert all(mention in comment for mention in mentions)
    assert ("Preserved labels" in comment) is bool(preserved)
