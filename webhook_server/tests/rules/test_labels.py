"""Label catalogue: exact static names and colours, categories, enabled-labels, colour resolution."""

import pytest

from webhook_server.libs.rules.colors import color_to_hex, same_color
from webhook_server.libs.rules.labels import (
    ALL_CATEGORIES,
    STATIC_LABELS,
    LabelAddVerdict,
    LabelCategory,
    branch_label,
    check_label_to_add,
    cherry_pick_label,
    cherry_picked_from_label,
    enabled_categories,
    has_review_state_prefix,
    is_cherry_picked_label,
    is_label_enabled,
    label_category,
    resolve_label_color,
)
from webhook_server.libs.rules.size import parse_size_thresholds

EXPECTED_STATIC = {
    "hold": ("B60205", "hold"),
    "verified": ("0E8A16", "verified"),
    "wip": ("B60205", "wip"),
    "lgtm": ("0E8A16", None),
    "approve": ("0E8A16", None),
    "automerge": ("0E8A16", "automerge"),
    "CherryPicked": ("1D76DB", "cherry-pick"),
    "ai-resolved-conflicts": ("FFA500", "cherry-pick"),
    "size/XS": ("ededed", "size"),
    "size/S": ("0E8A16", "size"),
    "size/M": ("F09C74", "size"),
    "size/L": ("F5621C", "size"),
    "size/XL": ("D93F0B", "size"),
    "size/XXL": ("B60205", "size"),
    "needs-rebase": ("B60205", "needs-rebase"),
    "has-conflicts": ("B60205", "has-conflicts"),
    "can-be-merged": ("0E8A17", "can-be-merged"),
}


def test_static_catalogue_matches_spec_exactly() -> None:
    actual = {
        name: (spec.color, spec.category.value if spec.category else None) for name, spec in STATIC_LABELS.items()
    }
    assert actual == EXPECTED_STATIC


@pytest.mark.parametrize(
    ("label", "category"),
    [
        ("approved-alice", None),
        ("lgtm-bob", None),
        ("changes-requested-carol", None),
        ("commented-dave", None),
        ("cherry-pick-release-1.0", LabelCategory.CHERRY_PICK),
        ("branch-main", LabelCategory.BRANCH),
        ("CherryPicked-from-main", LabelCategory.CHERRY_PICK),
        ("CherryPickedSomething", LabelCategory.CHERRY_PICK),
        ("size/custom", LabelCategory.SIZE),
        ("signed-off", None),
        ("lgtm", None),
        ("hold", LabelCategory.HOLD),
    ],
    ids=[
        "approved",
        "lgtm-user",
        "changes-requested",
        "commented",
        "cherry-pick",
        "branch",
        "cherry-picked-from",
        "cherry-picked-prefix",
        "custom-size",
        "custom-label",
        "plain-lgtm",
        "hold",
    ],
)
def test_label_category(label: str, category: LabelCategory | None) -> None:
    assert label_category(label) == category


@pytest.mark.parametrize(
    ("enabled_labels", "label", "expected"),
    [
        (None, "hold", True),
        ([], "hold", False),
        ([], "lgtm", True),
        ([], "approve", True),
        ([], "approved-alice", True),
        ([], "signed-off", True),
        (["size"], "size/XL", True),
        (["size"], "branch-main", False),
        (["branch"], "branch-main", True),
        (["cherry-pick"], "cherry-pick-v1", True),
        (["hold", "bogus"], "wip", False),
    ],
    ids=[
        "unset-all",
        "empty-blocks-hold",
        "empty-keeps-lgtm",
        "empty-keeps-approve",
        "review-state-always",
        "uncategorised-always",
        "size-on",
        "branch-off",
        "branch-on",
        "cherry-pick-on",
        "unknown-name-ignored",
    ],
)
def test_enabled_labels(enabled_labels: list[str] | None, label: str, expected: bool) -> None:
    assert is_label_enabled(label, enabled_categories(enabled_labels)) is expected


def test_unset_enables_every_category() -> None:
    assert enabled_categories(None) == ALL_CATEGORIES
    assert len(ALL_CATEGORIES) == 10


@pytest.mark.parametrize(
    ("label", "categories", "expected"),
    [
        ("  hold  ", ALL_CATEGORIES, (LabelAddVerdict.ADD, "hold")),
        ("x" * 50, ALL_CATEGORIES, (LabelAddVerdict.ADD, "x" * 50)),
        ("x" * 51, ALL_CATEGORIES, (LabelAddVerdict.TOO_LONG, "x" * 51)),
        ("hold", frozenset(), (LabelAddVerdict.CATEGORY_DISABLED, "hold")),
        ("   ", ALL_CATEGORIES, (LabelAddVerdict.EMPTY, "")),
        ("cherry-pick-" + "b" * 40, frozenset(), (LabelAddVerdict.TOO_LONG, "cherry-pick-" + "b" * 40)),
    ],
    ids=["stripped", "exactly-50", "51-too-long", "disabled", "blank", "length-before-category"],
)
def test_check_label_to_add(
    label: str, categories: frozenset[LabelCategory], expected: tuple[LabelAddVerdict, str]
) -> None:
    assert check_label_to_add(label, categories) == expected


SIZE_CUSTOM = parse_size_thresholds({"small": {"threshold": 10, "color": "navy"}}).buckets


@pytest.mark.parametrize(
    ("label", "overrides", "expected"),
    [
        ("hold", {}, "B60205"),
        ("hold", {"hold": "green"}, "008000"),
        ("hold", {"hold": "not-a-colour"}, "d3d3d3"),
        ("hold", {"hold": "#AbCdEf"}, "abcdef"),
        ("approved-alice", {}, "0E8A16"),
        ("lgtm-alice", {}, "DCED6F"),
        ("changes-requested-x", {}, "F5621C"),
        ("commented-x", {}, "D93F0B"),
        ("cherry-pick-v1", {}, "F09C74"),
        ("branch-main", {}, "1D76DB"),
        ("CherryPicked-from-main", {}, "1D76DB"),
        ("CherryPickedXYZ", {}, "1D76DB"),
        ("signed-off", {}, "D4C5F9"),
        ("branch-main", {"branch-": "orange", "branch-main": "blue"}, "0000ff"),
        ("branch-main", {"bra": "red", "branch-": "orange", "b-": "pink"}, "ffa500"),
        ("lgtm-alice", {"lgtm-": "purple", "lgtm-a": "red"}, "800080"),
        ("size/XS", {}, "ededed"),
        ("size/small", {}, "D4C5F9"),
    ],
    ids=[
        "static",
        "exact-override",
        "invalid-name-lightgray",
        "hex-override",
        "approved-prefix",
        "lgtm-prefix",
        "changes-requested-prefix",
        "commented-prefix",
        "cherry-pick-prefix",
        "branch-prefix",
        "cherry-picked-from",
        "cherry-picked-any",
        "fallback",
        "exact-beats-prefix",
        "first-dash-prefix-in-order",
        "non-dash-key-not-prefix",
        "builtin-size",
        "unknown-size-without-thresholds",
    ],
)
def test_resolve_label_color(label: str, overrides: dict[str, str], expected: str) -> None:
    assert resolve_label_color(label, overrides) == expected


def test_configured_size_bucket_colour_beats_static_table() -> None:
    assert resolve_label_color("size/small", {}, SIZE_CUSTOM) == "000080"
    assert resolve_label_color("size/small", {"size/small": "red"}, SIZE_CUSTOM) == "ff0000"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("LightGray", "d3d3d3"), ("lightgrey", "d3d3d3"), ("B60205", "b60205"), ("#0e8a16", "0e8a16"), ("", "d3d3d3")],
    ids=["css-mixed-case", "css-grey-spelling", "bare-hex", "hash-hex", "empty"],
)
def test_color_to_hex(value: str, expected: str) -> None:
    assert color_to_hex(value) == expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [("b60205", "B60205", True), ("#b60205", "B60205", True), ("b60205", "b60206", False)],
    ids=["case", "hash", "different"],
)
def test_same_color(first: str, second: str, expected: bool) -> None:
    assert same_color(first, second) is expected


def test_label_name_builders() -> None:
    assert branch_label("main") == "branch-main"
    assert cherry_pick_label("release-1.2") == "cherry-pick-release-1.2"
    long_branch = "feature/" + "x" * 60
    assert cherry_picked_from_label(long_branch) == ("CherryPicked-from-" + long_branch)[:50]
    assert len(cherry_picked_from_label(long_branch)) == 50


@pytest.mark.parametrize(
    ("label", "review_state", "cherry_picked"),
    [
        ("approved-a", True, False),
        ("commented-a", True, False),
        ("lgtm", False, False),
        ("CherryPicked", False, True),
        ("cherry-pick-x", False, False),
    ],
    ids=["approved", "commented", "plain-lgtm", "cherry-picked", "cherry-pick-target"],
)
def test_label_predicates(label: str, review_state: bool, cherry_picked: bool) -> None:
    assert has_review_state_prefix(label) is review_state
    assert is_cherry_picked_label(label) is cherry_picked
