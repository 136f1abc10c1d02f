"""Reviewer-state labels from reviews and `/approve`, `/lgtm` (`pr-workflow.md` §5), and their reset on push."""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from webhook_server.libs.rules.label_changes import LabelDiff
from webhook_server.libs.rules.labels import (
    APPROVED_PREFIX,
    CHANGES_REQUESTED_PREFIX,
    COMMENTED_PREFIX,
    LGTM_PREFIX,
    VERIFIED,
    has_review_state_prefix,
)
from webhook_server.libs.rules.logins import contains_login, normalize_login, same_login

APPROVE_LINE = "/approve"


class ReviewState(StrEnum):
    """`review.state` of a `pull_request_review` (webhooks send lower case, the REST API upper case)."""

    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    COMMENTED = "commented"
    DISMISSED = "dismissed"


@dataclass(frozen=True)
class ReviewCommandOutcome:
    """Result of `/approve` or `/lgtm` (with or without `cancel`): the label diff, or why it was refused."""

    diff: LabelDiff
    refusal: str | None = None

    @property
    def allowed(self) -> bool:
        """Whether the command may run (then the `+1` reaction is added)."""
        return self.refusal is None


def review_label_diff(state: str, reviewer: str, pr_author: str) -> LabelDiff:
    """Labels for a submitted review. An `approved` review by the PR author changes nothing."""
    user = normalize_login(reviewer)
    normalized_state = state.lower()
    if normalized_state == ReviewState.APPROVED:
        if same_login(user, pr_author):
            return LabelDiff()
        return LabelDiff(to_add=(f"{LGTM_PREFIX}{user}",), to_remove=(f"{CHANGES_REQUESTED_PREFIX}{user}",))
    if normalized_state == ReviewState.CHANGES_REQUESTED:
        return LabelDiff(
            to_add=(f"{CHANGES_REQUESTED_PREFIX}{user}",),
            to_remove=(f"{LGTM_PREFIX}{user}", f"{APPROVED_PREFIX}{user}"),
        )
    if normalized_state == ReviewState.COMMENTED:
        return LabelDiff(to_add=(f"{COMMENTED_PREFIX}{user}",))
    return LabelDiff()


def approve_command(user: str, approvers: Iterable[str], cancel: bool) -> ReviewCommandOutcome:
    """`/approve` and `/approve cancel`; `approvers` = PR approvers ∪ root approvers."""
    login = normalize_login(user)
    if not contains_login(approvers, login):
        return ReviewCommandOutcome(
            diff=LabelDiff(), refusal=f"@{login}, only approvers of this pull request can use `/approve`."
        )
    if cancel:
        return ReviewCommandOutcome(diff=LabelDiff(to_remove=(f"{APPROVED_PREFIX}{login}",)))
    return ReviewCommandOutcome(
        diff=LabelDiff(to_add=(f"{APPROVED_PREFIX}{login}",), to_remove=(f"{CHANGES_REQUESTED_PREFIX}{login}",))
    )


def lgtm_command(user: str, pr_author: str, cancel: bool) -> ReviewCommandOutcome:
    """`/lgtm` and `/lgtm cancel`: anyone except the PR author (`commands.md` §3)."""
    login = normalize_login(user)
    if same_login(login, pr_author):
        return ReviewCommandOutcome(
            diff=LabelDiff(), refusal=f"@{login}, the author of a pull request cannot use `/lgtm` on it."
        )
    if cancel:
        return ReviewCommandOutcome(diff=LabelDiff(to_remove=(f"{LGTM_PREFIX}{login}",)))
    return ReviewCommandOutcome(
        diff=LabelDiff(to_add=(f"{LGTM_PREFIX}{login}",), to_remove=(f"{CHANGES_REQUESTED_PREFIX}{login}",))
    )


def review_body_has_approve(body: str | None) -> bool:
    """Whether a review body has a line equal to `/approve` after trimming."""
    return any(line.strip() == APPROVE_LINE for line in (body or "").splitlines())


def logins_with_label_prefix(labels: Iterable[str], prefix: str) -> tuple[str, ...]:
    """The `<u>` of each `<prefix><u>` label, in label order (empty suffixes ignored)."""
    return tuple(label.removeprefix(prefix) for label in labels if label.startswith(prefix) and label != prefix)


def review_labels_to_reset(current: Iterable[str]) -> tuple[str, ...]:
    """On a non-clean `synchronize`: every `approved-*`, `lgtm-*`, `changes-requested-*`, `commented-*` label."""
    return tuple(label for label in current if has_review_state_prefix(label))


def labels_kept_by_clean_rebase(current: Iterable[str]) -> tuple[str, ...]:
    """Labels a clean rebase preserves and the clean-rebase comment lists: review-state labels and `verified`."""
    return tuple(label for label in current if has_review_state_prefix(label) or label == VERIFIED)


def clean_rebase_comment(previous_head_sha: str, preserved_labels: Iterable[str]) -> str:
    """The comment posted on a clean rebase (`pr-workflow.md` §1.2)."""
    kept = tuple(preserved_labels)
    lines = [
        f"Clean rebase detected: the changes are the same as in the previous head `{previous_head_sha[:7]}`.",
    ]
    if kept:
        lines.append("")
        lines.append("Preserved labels: " + ", ".join(f"`{label}`" for label in kept))
    return "\n".join(lines)
