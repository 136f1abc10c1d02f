"""`verified` decisions (`pr-workflow.md` §11.1) and the clean-rebase verdict from two diff digests (§1.2)."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from webhook_server.libs.rules.labels import AI_RESOLVED_CONFLICTS, VERIFIED, is_cherry_picked_label
from webhook_server.libs.rules.logins import contains_login


class VerifiedCheckState(StrEnum):
    """What the `verified` check run mirrors: `success` (label present) or `queued` (waiting)."""

    SUCCESS = "success"
    QUEUED = "queued"


@dataclass(frozen=True)
class VerifiedDecision:
    """Whether the `verified` label should be on the PR, the check state to write, and why."""

    label_present: bool
    check: VerifiedCheckState
    reason: str


@dataclass(frozen=True)
class VerifiedInputs:
    """What the normal-mode rule needs about the PR."""

    labels: tuple[str, ...]
    author: str
    auto_verified_users: tuple[str, ...]
    api_users: tuple[str, ...] = ()
    cherry_pick_record: bool = False
    author_is_our_bot: bool = False
    auto_verify_cherry_picked: bool = True


def _verified(reason: str) -> VerifiedDecision:
    return VerifiedDecision(label_present=True, check=VerifiedCheckState.SUCCESS, reason=reason)


def _unverified(reason: str) -> VerifiedDecision:
    return VerifiedDecision(label_present=False, check=VerifiedCheckState.QUEUED, reason=reason)


def is_auto_verified_user(login: str, auto_verified_users: Iterable[str], api_users: Iterable[str] = ()) -> bool:
    """Whether `login` is in `auto-verified-and-merged-users` or is an API user (case-insensitive)."""
    return contains_login((*auto_verified_users, *api_users), login)


def decide_verified(inputs: VerifiedInputs) -> VerifiedDecision:
    """Normal-mode `verified` decision: the first matching rule of the §11.1 table.

    Only call this when `verified-job` is true; with `verified-job: false` nothing is written.
    """
    if AI_RESOLVED_CONFLICTS in inputs.labels:
        return _unverified("ai-resolved-conflicts")
    is_cherry_pick = inputs.cherry_pick_record or any(is_cherry_picked_label(label) for label in inputs.labels)
    if is_cherry_pick and not inputs.auto_verify_cherry_picked:
        return _unverified("cherry-pick PR and auto-verify-cherry-picked-prs is false")
    if inputs.cherry_pick_record and inputs.author_is_our_bot and inputs.auto_verify_cherry_picked:
        return _verified("cherry-pick PR opened by our App")
    if is_auto_verified_user(inputs.author, inputs.auto_verified_users, inputs.api_users):
        return _verified("author is auto-verified")
    return _unverified("not auto-verified")


def clean_rebase_verified_check(labels: Iterable[str]) -> VerifiedCheckState:
    """Clean-rebase mode: the check mirrors the label and the label is left alone."""
    return VerifiedCheckState.SUCCESS if VERIFIED in set(labels) else VerifiedCheckState.QUEUED


def diff_digest(diff: bytes) -> str:
    """SHA-256 hex digest of a binary diff (`git diff --binary mb..head`)."""
    return hashlib.sha256(diff).hexdigest()


def is_clean_rebase(before_digest: str | None, after_digest: str | None) -> bool:
    """Equal digests mean a clean rebase; a missing digest (any git error) means not clean."""
    return before_digest is not None and after_digest is not None and before_digest == after_digest
