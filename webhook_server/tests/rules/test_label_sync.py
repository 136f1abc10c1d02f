"""Bootstrap label plan: enabled categories, custom sizes, colour overrides, case-insensitive comparisons."""

from webhook_server.libs.rules.label_sync import LabelSyncPlan, RepoLabel, bootstrap_labels, plan_label_sync
from webhook_server.libs.rules.labels import ALL_CATEGORIES, STATIC_LABELS, LabelCategory
from webhook_server.libs.rules.size import parse_size_thresholds

DEFAULT_SIZES = parse_size_thresholds(None)


def test_all_categories_give_every_static_label() -> None:
    labels = bootstrap_labels(ALL_CATEGORIES, {}, DEFAULT_SIZES)
    assert [label.name for label in labels] == list(STATIC_LABELS)
    assert {label.name: label.color for label in labels} == {name: spec.color for name, spec in STATIC_LABELS.items()}


def test_no_categories_keep_only_always_enabled() -> None:
    assert bootstrap_labels(frozenset(), {}, DEFAULT_SIZES) == (
        RepoLabel("lgtm", "0E8A16"),
        RepoLabel("approve", "0E8A16"),
    )


def test_custom_sizes_replace_builtin_and_colours_apply() -> None:
    sizes = parse_size_thresholds({"small": {"threshold": 10, "color": "green"}, "big": {"threshold": "inf"}})
    labels = bootstrap_labels(frozenset({LabelCategory.SIZE, LabelCategory.HOLD}), {"hold": "black"}, sizes)
    assert labels == (
        RepoLabel("hold", "000000"),
        RepoLabel("lgtm", "0E8A16"),
        RepoLabel("approve", "0E8A16"),
        RepoLabel("size/small", "008000"),
        RepoLabel("size/big", "d3d3d3"),
    )


def test_plan_creates_missing_and_recolours_case_insensitively() -> None:
    existing = (
        RepoLabel("Hold", "b60205"),
        RepoLabel("wip", "ffffff"),
        RepoLabel("branch-main", "1d76db"),
        RepoLabel("branch-dev", "ffa500"),
        RepoLabel("branch-exact", "111111"),
        RepoLabel("random", "123456"),
    )
    desired = (RepoLabel("hold", "B60205"), RepoLabel("wip", "B60205"), RepoLabel("verified", "0E8A16"))
    plan = plan_label_sync(existing, desired, {"branch-": "orange", "branch-exact": "red"})
    assert plan == LabelSyncPlan(
        create=(RepoLabel("verified", "0E8A16"),),
        recolor=(RepoLabel("wip", "B60205"), RepoLabel("branch-main", "ffa500")),
    )


def test_plan_is_empty_when_in_sync() -> None:
    existing = (RepoLabel("hold", "b60205"),)
    assert plan_label_sync(existing, (RepoLabel("hold", "B60205"),), {}) == LabelSyncPlan()
