"""The label catalogue: static and prefix labels, categories, `enabled-labels` and colours (`pr-workflow.md` §2)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum

from webhook_server.libs.rules.colors import color_to_hex
from webhook_server.libs.rules.size import DEFAULT_SIZE_BUCKETS, SIZE_LABEL_PREFIX, SizeBucket

MAX_LABEL_LENGTH = 50
FALLBACK_LABEL_COLOR = "D4C5F9"

HOLD = "hold"
VERIFIED = "verified"
WIP = "wip"
LGTM = "lgtm"
APPROVE = "approve"
AUTOMERGE = "automerge"
CHERRY_PICKED = "CherryPicked"
AI_RESOLVED_CONFLICTS = "ai-resolved-conflicts"
NEEDS_REBASE = "needs-rebase"
HAS_CONFLICTS = "has-conflicts"
CAN_BE_MERGED = "can-be-merged"

APPROVED_PREFIX = "approved-"
LGTM_PREFIX = "lgtm-"
CHANGES_REQUESTED_PREFIX = "changes-requested-"
COMMENTED_PREFIX = "commented-"
CHERRY_PICK_PREFIX = "cherry-pick-"
BRANCH_PREFIX = "branch-"
CHERRY_PICKED_FROM_PREFIX = "CherryPicked-from-"
REVIEW_STATE_PREFIXES: tuple[str, ...] = (APPROVED_PREFIX, LGTM_PREFIX, CHANGES_REQUESTED_PREFIX, COMMENTED_PREFIX)


class LabelCategory(StrEnum):
    """The `labels.enabled-labels` categories (`config.md` §4.4)."""

    VERIFIED = "verified"
    HOLD = "hold"
    WIP = "wip"
    NEEDS_REBASE = "needs-rebase"
    HAS_CONFLICTS = "has-conflicts"
    CAN_BE_MERGED = "can-be-merged"
    SIZE = "size"
    BRANCH = "branch"
    CHERRY_PICK = "cherry-pick"
    AUTOMERGE = "automerge"


ALL_CATEGORIES: frozenset[LabelCategory] = frozenset(LabelCategory)


@dataclass(frozen=True)
class LabelSpec:
    """A catalogue entry: a static name or a prefix, its default colour and its category (None = always on)."""

    name: str
    color: str
    category: LabelCategory | None


STATIC_LABELS: Mapping[str, LabelSpec] = {
    spec.name: spec
    for spec in (
        LabelSpec(HOLD, "B60205", LabelCategory.HOLD),
        LabelSpec(VERIFIED, "0E8A16", LabelCategory.VERIFIED),
        LabelSpec(WIP, "B60205", LabelCategory.WIP),
        LabelSpec(LGTM, "0E8A16", None),
        LabelSpec(APPROVE, "0E8A16", None),
        LabelSpec(AUTOMERGE, "0E8A16", LabelCategory.AUTOMERGE),
        LabelSpec(CHERRY_PICKED, "1D76DB", LabelCategory.CHERRY_PICK),
        LabelSpec(AI_RESOLVED_CONFLICTS, "FFA500", LabelCategory.CHERRY_PICK),
        *(LabelSpec(bucket.label, bucket.color, LabelCategory.SIZE) for bucket in DEFAULT_SIZE_BUCKETS),
        LabelSpec(NEEDS_REBASE, "B60205", LabelCategory.NEEDS_REBASE),
        LabelSpec(HAS_CONFLICTS, "B60205", LabelCategory.HAS_CONFLICTS),
        LabelSpec(CAN_BE_MERGED, "0E8A17", LabelCategory.CAN_BE_MERGED),
    )
}

PREFIX_LABELS: tuple[LabelSpec, ...] = (
    LabelSpec(APPROVED_PREFIX, "0E8A16", None),
    LabelSpec(LGTM_PREFIX, "DCED6F", None),
    LabelSpec(CHANGES_REQUESTED_PREFIX, "F5621C", None),
    LabelSpec(COMMENTED_PREFIX, "D93F0B", None),
    LabelSpec(CHERRY_PICK_PREFIX, "F09C74", LabelCategory.CHERRY_PICK),
    LabelSpec(BRANCH_PREFIX, "1D76DB", LabelCategory.BRANCH),
    LabelSpec(CHERRY_PICKED_FROM_PREFIX, "1D76DB", LabelCategory.CHERRY_PICK),
)


class LabelAddVerdict(Enum):
    """Outcome of the pre-checks before adding a label (`pr-workflow.md` §2.3)."""

    ADD = "add"
    TOO_LONG = "too_long"
    CATEGORY_DISABLED = "category_disabled"
    EMPTY = "empty"


def enabled_categories(enabled_labels: Iterable[str] | None) -> frozenset[LabelCategory]:
    """The enabled categories: unset → all; `[]` → none. Unknown names are ignored (validated by config)."""
    if enabled_labels is None:
        return ALL_CATEGORIES
    known = {category.value for category in LabelCategory}
    return frozenset(LabelCategory(name) for name in enabled_labels if name in known)


def label_category(label: str) -> LabelCategory | None:
    """The category a label belongs to, or None when it is always enabled or outside every category."""
    static = STATIC_LABELS.get(label)
    if static is not None:
        return static.category
    if label.startswith(SIZE_LABEL_PREFIX):
        return LabelCategory.SIZE
    if label.startswith(CHERRY_PICKED):
        return LabelCategory.CHERRY_PICK
    prefix_spec = _prefix_spec(label)
    return prefix_spec.category if prefix_spec else None


def is_label_enabled(label: str, categories: frozenset[LabelCategory]) -> bool:
    """Whether the server may add this label under the enabled categories."""
    category = label_category(label)
    return category is None or category in categories


def check_label_to_add(label: str, categories: frozenset[LabelCategory]) -> tuple[LabelAddVerdict, str]:
    """Strip the name and tell whether it may be added: length limit (50) first, then the category."""
    name = label.strip()
    if not name:
        return LabelAddVerdict.EMPTY, name
    if len(name) > MAX_LABEL_LENGTH:
        return LabelAddVerdict.TOO_LONG, name
    if not is_label_enabled(name, categories):
        return LabelAddVerdict.CATEGORY_DISABLED, name
    return LabelAddVerdict.ADD, name


def resolve_label_color(
    label: str, color_overrides: Mapping[str, str], size_buckets: Sequence[SizeBucket] = DEFAULT_SIZE_BUCKETS
) -> str:
    """The colour for a label (`pr-workflow.md` §2.4), hex without `#`.

    Order: exact `labels.colors` key; first `-`-ending key that prefixes the label (config order); the
    configured size bucket; the static table; the `CherryPicked` colour; the prefix table; `D4C5F9`.
    """
    if label in color_overrides:
        return color_to_hex(color_overrides[label])
    for key, value in color_overrides.items():
        if key.endswith("-") and label.startswith(key):
            return color_to_hex(value)
    if label.startswith(SIZE_LABEL_PREFIX):
        suffix = label.removeprefix(SIZE_LABEL_PREFIX)
        bucket = next((bucket for bucket in size_buckets if bucket.name == suffix), None)
        if bucket is not None:
            return bucket.color
    if label in STATIC_LABELS:
        return STATIC_LABELS[label].color
    if label.startswith(CHERRY_PICKED):
        return STATIC_LABELS[CHERRY_PICKED].color
    prefix_spec = _prefix_spec(label)
    return prefix_spec.color if prefix_spec else FALLBACK_LABEL_COLOR


def has_review_state_prefix(label: str) -> bool:
    """Whether a label is a reviewer-state label (`approved-`, `lgtm-`, `changes-requested-`, `commented-`)."""
    return label.startswith(REVIEW_STATE_PREFIXES)


def is_cherry_picked_label(label: str) -> bool:
    """Whether a label marks a cherry-pick PR (any label starting with `CherryPicked`)."""
    return label.startswith(CHERRY_PICKED)


def cherry_picked_from_label(source_branch: str) -> str:
    """`CherryPicked-from-<source branch>`, cut to 50 characters."""
    return f"{CHERRY_PICKED_FROM_PREFIX}{source_branch}"[:MAX_LABEL_LENGTH]


def branch_label(base_ref: str) -> str:
    """`branch-<base ref>`."""
    return f"{BRANCH_PREFIX}{base_ref}"


def cherry_pick_label(target_branch: str) -> str:
    """`cherry-pick-<target branch>` (may exceed 50 characters; the caller handles that)."""
    return f"{CHERRY_PICK_PREFIX}{target_branch}"


def _prefix_spec(label: str) -> LabelSpec | None:
    """The longest matching prefix entry (so `CherryPicked-from-` is not mistaken for anything shorter)."""
    matches = [spec for spec in PREFIX_LABELS if label.startswith(spec.name)]
    return max(matches, key=lambda spec: len(spec.name)) if matches else None
