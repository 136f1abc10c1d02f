"""Label diffs: which labels to add and remove to reach a desired state (size, branch, `wip`)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from webhook_server.libs.rules.labels import BRANCH_PREFIX, WIP, branch_label
from webhook_server.libs.rules.size import is_size_label

WIP_TITLE_PREFIX = "wip:"


@dataclass(frozen=True)
class LabelDiff:
    """Labels to add and labels to remove, each in a stable order."""

    to_add: tuple[str, ...] = ()
    to_remove: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Whether nothing changes."""
        return not self.to_add and not self.to_remove

    def merged_with(self, other: "LabelDiff") -> "LabelDiff":
        """Both diffs together (duplicates removed, order kept)."""
        return LabelDiff(
            to_add=tuple(dict.fromkeys(self.to_add + other.to_add)),
            to_remove=tuple(dict.fromkeys(self.to_remove + other.to_remove)),
        )


def diff_labels(current: Iterable[str], desired: Iterable[str], in_scope: Callable[[str], bool]) -> LabelDiff:
    """Add each desired label that is missing; remove each current in-scope label that is not desired."""
    current_labels = tuple(current)
    wanted = tuple(dict.fromkeys(desired))
    present = set(current_labels)
    to_add = tuple(label for label in wanted if label not in present)
    to_remove = tuple(label for label in current_labels if in_scope(label) and label not in wanted)
    return LabelDiff(to_add=to_add, to_remove=tuple(dict.fromkeys(to_remove)))


def size_label_diff(current: Iterable[str], size_label: str) -> LabelDiff:
    """Exactly one size label: add `size_label`, remove every other `size/*` label."""
    return diff_labels(current, (size_label,), is_size_label)


def branch_label_diff(current: Iterable[str], base_ref: str) -> LabelDiff:
    """Add `branch-<base>` and remove any other `branch-*` label."""
    return diff_labels(current, (branch_label(base_ref),), lambda label: label.startswith(BRANCH_PREFIX))


def title_wants_wip(title: str) -> bool:
    """Whether the title starts with `wip:` (case-insensitive)."""
    return title[: len(WIP_TITLE_PREFIX)].casefold() == WIP_TITLE_PREFIX


def wip_label_diff(current: Iterable[str], title: str) -> LabelDiff:
    """`wip` from the title (`pr-workflow.md` §1.3): add it for a `wip:` title, otherwise remove it."""
    desired = (WIP,) if title_wants_wip(title) else ()
    return diff_labels(current, desired, lambda label: label == WIP)


def title_after_wip(title: str) -> str | None:
    """`/wip` newly added the label: the new title `WIP: <title>`, or None when it already starts with `WIP:`."""
    return None if title[:4].casefold() == "wip:" else f"WIP: {title}"


def title_after_wip_cancel(title: str) -> str | None:
    """`/wip cancel` removed the label: the title without a leading `WIP: ` or `WIP:` (checked in that order,
    case-insensitive), or None when there is no such prefix."""
    for prefix in ("wip: ", "wip:"):
        if title[: len(prefix)].casefold() == prefix:
            return title[len(prefix) :]
    return None
