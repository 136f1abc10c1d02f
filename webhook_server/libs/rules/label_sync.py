"""Bootstrap label plan (`bootstrap.md` §3.1): the labels a repository should have, and what to create or re-colour."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from webhook_server.libs.rules.colors import color_to_hex, same_color
from webhook_server.libs.rules.labels import STATIC_LABELS, LabelCategory, is_label_enabled, resolve_label_color
from webhook_server.libs.rules.size import SizeThresholds, is_size_label


@dataclass(frozen=True)
class RepoLabel:
    """A repository label: name and hex colour (no `#`)."""

    name: str
    color: str


@dataclass(frozen=True)
class LabelSyncPlan:
    """Labels to create, and existing labels (with their current names) to re-colour."""

    create: tuple[RepoLabel, ...] = ()
    recolor: tuple[RepoLabel, ...] = ()


def bootstrap_labels(
    categories: frozenset[LabelCategory], color_overrides: Mapping[str, str], size: SizeThresholds
) -> tuple[RepoLabel, ...]:
    """Static labels of enabled categories (always-enabled ones included) with their computed colours.

    With configured `pr-size-thresholds`, the custom `size/<suffix>` labels replace the six built-in ones.
    """
    names = [name for name in STATIC_LABELS if not (size.custom and is_size_label(name))]
    if size.custom:
        names.extend(bucket.label for bucket in size.buckets)
    return tuple(
        RepoLabel(name, resolve_label_color(name, color_overrides, size.buckets))
        for name in names
        if is_label_enabled(name, categories)
    )


def plan_label_sync(
    existing: Sequence[RepoLabel], desired: Sequence[RepoLabel], color_overrides: Mapping[str, str]
) -> LabelSyncPlan:
    """Compare names case-insensitively and colours as case-insensitive hex.

    Missing desired labels are created; present ones with another colour are re-coloured. Existing labels
    matching a `labels.colors` prefix key (ending in `-`) are re-coloured to that colour when it differs.
    """
    by_key = {label.name.casefold(): label for label in existing}
    create: list[RepoLabel] = []
    recolor: dict[str, RepoLabel] = {}
    for wanted in desired:
        current = by_key.get(wanted.name.casefold())
        if current is None:
            create.append(wanted)
        elif not same_color(current.color, wanted.color):
            recolor[current.name.casefold()] = RepoLabel(current.name, wanted.color)
    prefixes = [(key, color_to_hex(value)) for key, value in color_overrides.items() if key.endswith("-")]
    for label in existing:
        if label.name.casefold() in recolor or label.name in color_overrides:
            continue
        prefix_color = next((color for key, color in prefixes if label.name.startswith(key)), None)
        if prefix_color is not None and not same_color(label.color, prefix_color):
            recolor[label.name.casefold()] = RepoLabel(label.name, prefix_color)
    return LabelSyncPlan(create=tuple(create), recolor=tuple(recolor.values()))
