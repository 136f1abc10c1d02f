"""What a `labeled`/`unlabeled` event triggers (`pr-workflow.md` §6), including forged review labels (§6.1)."""

from dataclasses import dataclass
from enum import StrEnum

from webhook_server.libs.rules.labels import (
    APPROVED_PREFIX,
    AUTOMERGE,
    CAN_BE_MERGED,
    CHANGES_REQUESTED_PREFIX,
    HOLD,
    LGTM_PREFIX,
    VERIFIED,
    WIP,
)
from webhook_server.libs.rules.logins import contains_login, same_login
from webhook_server.libs.rules.verified import VerifiedCheckState

SKIP_REASON_LABEL = "label"


class LabelAction(StrEnum):
    """The `pull_request` actions this module decides on."""

    LABELED = "labeled"
    UNLABELED = "unlabeled"


@dataclass(frozen=True)
class LabelEvent:
    """A label change and what is known about who made it.

    `approvers` = PR approvers ∪ root approvers; `api_users` = the logins of the server's own tokens.
    """

    label: str
    action: LabelAction
    sender: str
    sender_is_maintainer: bool = False
    api_users: tuple[str, ...] = ()
    approvers: tuple[str, ...] = ()
    verified_job: bool = True
    required_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelEventDecision:
    """Effects of a label event. `skip_reason` set means the event is `skipped:<reason>`."""

    request_evaluation: bool = False
    remove_forged_label: bool = False
    verified_check: VerifiedCheckState | None = None
    skip_reason: str | None = None


def review_label_owner(label: str) -> str | None:
    """The `<u>` of an `approved-<u>` or `lgtm-<u>` label, else None."""
    for prefix in (APPROVED_PREFIX, LGTM_PREFIX):
        if label.startswith(prefix):
            return label.removeprefix(prefix)
    return None


def is_forged_review_label(event: LabelEvent) -> bool:
    """Whether a newly added `approved-<u>`/`lgtm-<u>` label was set by someone who may not set it (§6.1).

    Allowed senders: an API user, a maintainer, or `<u>` themselves (for `approved-`, only if `<u>` is a
    PR or root approver).
    """
    owner = review_label_owner(event.label)
    if event.action is not LabelAction.LABELED or owner is None:
        return False
    if contains_login(event.api_users, event.sender) or event.sender_is_maintainer:
        return False
    if not same_login(owner, event.sender):
        return True
    return event.label.startswith(APPROVED_PREFIX) and not contains_login(event.approvers, owner)


def decide_label_event(event: LabelEvent) -> LabelEventDecision:
    """Apply the §6 table in order; the first matching row decides."""
    if event.label.casefold() == CAN_BE_MERGED:
        return LabelEventDecision(skip_reason=SKIP_REASON_LABEL)
    if is_forged_review_label(event):
        # The removal comes back as `unlabeled`, which requests the evaluation.
        return LabelEventDecision(remove_forged_label=True)
    if event.label.startswith((APPROVED_PREFIX, LGTM_PREFIX, CHANGES_REQUESTED_PREFIX)):
        return LabelEventDecision(request_evaluation=True)
    if event.label == VERIFIED and event.verified_job:
        state = VerifiedCheckState.SUCCESS if event.action is LabelAction.LABELED else VerifiedCheckState.QUEUED
        return LabelEventDecision(request_evaluation=True, verified_check=state)
    if event.label in (WIP, HOLD, AUTOMERGE) or event.label in event.required_labels:
        return LabelEventDecision(request_evaluation=True)
    return LabelEventDecision(skip_reason=SKIP_REASON_LABEL)


def forged_label_comment(label: str, sender: str) -> str:
    """The one comment posted after removing a forged review label."""
    return (
        f"@{sender}, the label `{label}` was removed: review labels are set by the server when "
        "an allowed user comments `/approve` or `/lgtm`, and cannot be added by hand."
    )
