"""Drift decisions for open pull requests (pure): review-state labels a missed review left out, and whether
the `can-be-merged` check run shows a verdict other than the current one."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from webhook_server.libs.rules.label_changes import LabelDiff
from webhook_server.libs.rules.labels import REVIEW_STATE_PREFIXES
from webhook_server.libs.rules.logins import normalize_login
from webhook_server.libs.rules.reviewer_state import ReviewState, review_label_diff

COMPLETED = "completed"
SUCCESS = "success"
FAILURE = "failure"


@dataclass(frozen=True)
class SubmittedReview:
    """A review as GitHub lists it: who, the state (upper or lower case), on which commit, in what order."""

    review_id: int
    reviewer: str
    state: str
    commit_id: str


def _owns_label(label: str, reviewer: str) -> bool:
    """Whether `label` is a review-state label of `reviewer` (`lgtm-<login>`, `approved-<login>`...)."""
    return any(
        label.startswith(prefix) and label[len(prefix) :].casefold() == reviewer.casefold()
        for prefix in REVIEW_STATE_PREFIXES
    )


def missing_review_labels(
    reviews: Sequence[SubmittedReview], head_sha: str, pr_author: str, current: Iterable[str]
) -> LabelDiff:
    """Labels of reviewers whose latest review on the head left no review-state label at all (a missed
    `pull_request_review` delivery). Reviewers with any review-state label are left alone: commands
    (`/lgtm`, `/approve`) and pushes change those labels after reviews, and the labels are theirs to keep."""
    present = set(current)
    latest: dict[str, SubmittedReview] = {}
    for review in sorted(reviews, key=lambda item: item.review_id):
        if review.commit_id == head_sha and review.state.lower() != ReviewState.DISMISSED:
            latest[normalize_login(review.reviewer)] = review
    to_add: list[str] = []
    for reviewer, review in latest.items():
        if any(_owns_label(label, reviewer) for label in present):
            continue
        to_add.extend(review_label_diff(review.state, reviewer, pr_author).to_add)
    return LabelDiff(to_add=tuple(sorted(to_add)))


def can_be_merged_differs(run_status: str | None, run_conclusion: str | None, can_merge: bool) -> bool:
    """Whether the `can-be-merged` run (None: there is none) must be written to show the verdict."""
    wanted = SUCCESS if can_merge else FAILURE
    return run_status != COMPLETED or run_conclusion != wanted
