"""Merging decisions: server-side merge for `automerge` (§13.1) and native GitHub auto-merge (§13.3)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from webhook_server.libs.rules.labels import AI_RESOLVED_CONFLICTS, AUTOMERGE
from webhook_server.libs.rules.security import suspicious_files
from webhook_server.libs.rules.verified import is_auto_verified_user

AUTO_MERGE_BLOCKED_PREFIX = "Auto-merge blocked: PR modifies security-sensitive paths:"


class MergeMethod(StrEnum):
    """Merge methods, in order of preference. GraphQL uses the upper-case name (`graphql_name`)."""

    SQUASH = "squash"
    MERGE = "merge"
    REBASE = "rebase"

    @property
    def graphql_name(self) -> str:
        """`SQUASH`, `MERGE` or `REBASE` for `enablePullRequestAutoMerge`."""
        return self.value.upper()


def choose_merge_method(allow_squash: bool, allow_merge: bool, allow_rebase: bool) -> MergeMethod | None:
    """The first method the repository allows, in the order squash, merge, rebase; None if none is allowed."""
    allowed = ((MergeMethod.SQUASH, allow_squash), (MergeMethod.MERGE, allow_merge), (MergeMethod.REBASE, allow_rebase))
    return next((method for method, on in allowed if on), None)


def should_server_merge(
    labels: Iterable[str], *, is_open: bool, draft: bool, merged: bool, head_sha: str, evaluated_sha: str
) -> bool:
    """§13.1: merge through the API only with `automerge`, open, not draft, not merged, and the same head SHA."""
    return AUTOMERGE in set(labels) and is_open and not draft and not merged and head_sha == evaluated_sha


class NativeAutoMergeAction(StrEnum):
    """What to do with GitHub's native auto-merge."""

    NONE = "none"
    ENABLE = "enable"
    DISABLE = "disable"


@dataclass(frozen=True)
class NativeAutoMergeInputs:
    """What the §13.3 rule reads. `suspicious_check_conclusion` is that check's conclusion on the head SHA."""

    base_ref: str
    author: str
    labels: tuple[str, ...]
    currently_enabled: bool
    changed_files: tuple[str, ...]
    set_auto_merge_prs: tuple[str, ...] = ()
    auto_verified_users: tuple[str, ...] = ()
    api_users: tuple[str, ...] = ()
    suspicious_prefixes: tuple[str, ...] = ()
    suspicious_check_conclusion: str | None = None


@dataclass(frozen=True)
class NativeAutoMergeDecision:
    """The action, plus the files to list in the blocking comment (empty when not blocked)."""

    action: NativeAutoMergeAction
    blocked_files: tuple[str, ...] = ()
    reason: str = ""


def is_auto_merge_wanted(inputs: NativeAutoMergeInputs) -> bool:
    """Wanted when the base is in `set-auto-merge-prs` or the author is auto-verified (API users included)."""
    return inputs.base_ref in inputs.set_auto_merge_prs or is_auto_verified_user(
        inputs.author, inputs.auto_verified_users, inputs.api_users
    )


def decide_native_auto_merge(inputs: NativeAutoMergeInputs) -> NativeAutoMergeDecision:
    """Steps 1–4 of §13.3. `DISABLE` is only returned when auto-merge is currently enabled."""
    wanted = is_auto_merge_wanted(inputs)
    off = NativeAutoMergeAction.DISABLE if inputs.currently_enabled else NativeAutoMergeAction.NONE
    if AI_RESOLVED_CONFLICTS in inputs.labels:
        return NativeAutoMergeDecision(action=off, reason="ai-resolved-conflicts")
    if wanted or inputs.currently_enabled:
        matched = suspicious_files(inputs.changed_files, inputs.suspicious_prefixes)
        if matched and inputs.suspicious_check_conclusion != "success":
            return NativeAutoMergeDecision(action=off, blocked_files=matched, reason="suspicious paths")
    if wanted and not inputs.currently_enabled:
        return NativeAutoMergeDecision(action=NativeAutoMergeAction.ENABLE, reason="wanted")
    return NativeAutoMergeDecision(action=NativeAutoMergeAction.NONE, reason="no change")


def auto_merge_blocked_comment(files: Sequence[str]) -> str:
    """The blocking comment; its first characters are the byte-exact marker `AUTO_MERGE_BLOCKED_PREFIX`."""
    listing = "\n".join(f"- `{path}`" for path in files)
    return (
        f"{AUTO_MERGE_BLOCKED_PREFIX}\n{listing}\n\n"
        "Auto-merge stays off until a maintainer reviews these changes and the "
        "`security-suspicious-paths` check passes."
    )
