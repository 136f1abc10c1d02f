"""Drift decisions: review-state labels left out by a missed review, and a stale `can-be-merged` run."""

import pytest

from webhook_server.libs.rules.drift import SubmittedReview, can_be_merged_differs, missing_review_labels

HEAD = "a" * 40
OLD = "b" * 40


@pytest.mark.parametrize(
    ("reviews", "current", "expected"),
    [
        pytest.param([SubmittedReview(1, "bob", "APPROVED", HEAD)], set(), ("lgtm-bob",), id="missed-approval"),
        pytest.param(
            [SubmittedReview(1, "bob", "CHANGES_REQUESTED", HEAD)],
            set(),
            ("changes-requested-bob",),
            id="missed-changes-requested",
        ),
        pytest.param([SubmittedReview(1, "bob", "APPROVED", HEAD)], {"lgtm-bob"}, (), id="label-present"),
        pytest.param(
            [SubmittedReview(1, "bob", "APPROVED", HEAD)], {"changes-requested-bob"}, (), id="other-state-label-kept"
        ),
        pytest.param([SubmittedReview(1, "bob", "APPROVED", OLD)], set(), (), id="review-of-an-older-head"),
        pytest.param([SubmittedReview(1, "dave", "APPROVED", HEAD)], set(), (), id="author-approving-own-pr"),
        pytest.param(
            [SubmittedReview(1, "bob", "APPROVED", HEAD), SubmittedReview(2, "bob", "CHANGES_REQUESTED", HEAD)],
            set(),
            ("changes-requested-bob",),
            id="latest-review-wins",
        ),
        pytest.param([SubmittedReview(1, "bob", "DISMISSED", HEAD)], set(), (), id="dismissed"),
        pytest.param(
            [SubmittedReview(1, "bob", "APPROVED", HEAD)], {"lgtm-bobby"}, ("lgtm-bob",), id="similar-login-is-other"
        ),
        pytest.param(
            [SubmittedReview(2, "carol", "COMMENTED", HEAD), SubmittedReview(1, "bob", "APPROVED", HEAD)],
            set(),
            ("commented-carol", "lgtm-bob"),
            id="several-reviewers",
        ),
    ],
)
def test_missing_review_labels(reviews: list[SubmittedReview], current: set[str], expected: tuple[str, ...]) -> None:
    diff = missing_review_labels(reviews, HEAD, "dave", current)
    assert diff.to_add == expected
    assert diff.to_remove == ()


@pytest.mark.parametrize(
    ("status", "conclusion", "can_merge", "differs"),
    [
        pytest.param("completed", "success", True, False, id="success-shown"),
        pytest.param("completed", "failure", False, False, id="failure-shown"),
        pytest.param("completed", "success", False, True, id="shows-success-but-cannot"),
        pytest.param("completed", "failure", True, True, id="shows-failure-but-can"),
        pytest.param("in_progress", None, False, True, id="stuck-in-progress"),
        pytest.param(None, None, True, True, id="missing"),
    ],
)
def test_can_be_merged_differs(status: str | None, conclusion: str | None, can_merge: bool, differs: bool) -> None:
    assert can_be_merged_differs(status, conclusion, can_merge) is differs
