"""Size buckets: built-in and configured thresholds, exclusive upper bounds, invalid entries."""

import pytest

from webhook_server.libs.rules.size import (
    DEFAULT_SIZE_BUCKETS,
    SizeBucket,
    is_size_label,
    parse_size_thresholds,
    pr_size,
    size_bucket,
)


@pytest.mark.parametrize(
    ("additions", "deletions", "expected"),
    [
        (0, 0, "size/XS"),
        (10, 9, "size/XS"),
        (10, 10, "size/S"),
        (49, 0, "size/S"),
        (25, 25, "size/M"),
        (99, 0, "size/M"),
        (100, 0, "size/L"),
        (299, 0, "size/L"),
        (300, 0, "size/XL"),
        (499, 0, "size/XL"),
        (250, 250, "size/XXL"),
        (100_000, 5, "size/XXL"),
    ],
    ids=[
        "empty",
        "19-is-XS",
        "20-is-S",
        "49-is-S",
        "50-is-M",
        "99-is-M",
        "100-is-L",
        "299-is-L",
        "300-is-XL",
        "499-is-XL",
        "500-is-XXL",
        "huge-is-XXL",
    ],
)
def test_default_buckets(additions: int, deletions: int, expected: str) -> None:
    assert size_bucket(pr_size(additions, deletions)).label == expected


CUSTOM = {
    "large": {"threshold": 200, "color": "red"},
    "tiny": {"threshold": 10},
    "medium": {"threshold": 50, "color": "green"},
}


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "tiny"),
        (9, "tiny"),
        (10, "medium"),
        (49, "medium"),
        (50, "large"),
        (199, "large"),
        (200, "large"),
        (9999, "large"),
    ],
    ids=[
        "zero",
        "below-first",
        "equal-first",
        "below-second",
        "equal-second",
        "below-third",
        "equal-last",
        "beyond-all",
    ],
)
def test_custom_buckets_sorted_and_exclusive(size: int, expected: str) -> None:
    thresholds = parse_size_thresholds(CUSTOM)
    assert thresholds.custom
    assert size_bucket(size, thresholds.buckets).name == expected


def test_custom_bucket_colours_are_hex() -> None:
    buckets = {bucket.name: bucket.color for bucket in parse_size_thresholds(CUSTOM).buckets}
    assert buckets == {"tiny": "d3d3d3", "medium": "008000", "large": "ff0000"}


def test_inf_bucket_is_last_and_catches_everything_beyond() -> None:
    thresholds = parse_size_thresholds({"huge": {"threshold": "inf"}, "small": {"threshold": 5}})
    assert [bucket.name for bucket in thresholds.buckets] == ["small", "huge"]
    assert size_bucket(10**9, thresholds.buckets).name == "huge"
    assert size_bucket(4, thresholds.buckets).name == "small"


@pytest.mark.parametrize(
    ("raw", "valid_names", "warning_count"),
    [
        ({"a": {"threshold": 0}}, ["XS", "S", "M", "L", "XL", "XXL"], 2),
        ({"a": {"threshold": True}, "b": {"threshold": 5}}, ["b"], 1),
        ({"a": "not-a-map", "b": {"threshold": 5}}, ["b"], 1),
        ({"a": {"color": "red"}, "b": {"threshold": 5}}, ["b"], 1),
        ({"a": {"threshold": 3, "color": 7}, "b": {"threshold": 5}}, ["b"], 1),
        ({" ": {"threshold": 3}, "b": {"threshold": 5}}, ["b"], 1),
        ({"a": {"threshold": "many"}}, ["XS", "S", "M", "L", "XL", "XXL"], 2),
    ],
    ids=[
        "zero-threshold",
        "bool-threshold",
        "not-mapping",
        "missing-threshold",
        "bad-color-type",
        "blank-name",
        "bad-str",
    ],
)
def test_invalid_entries_are_skipped_with_warnings(
    raw: dict[str, object], valid_names: list[str], warning_count: int
) -> None:
    thresholds = parse_size_thresholds(raw)
    assert [bucket.name for bucket in thresholds.buckets] == valid_names
    assert len(thresholds.warnings) == warning_count


@pytest.mark.parametrize("raw", [None, {}], ids=["unset", "empty"])
def test_unset_uses_built_in_buckets(raw: dict[str, object] | None) -> None:
    thresholds = parse_size_thresholds(raw)
    assert thresholds.buckets == DEFAULT_SIZE_BUCKETS
    assert not thresholds.custom
    assert thresholds.warnings == ()


def test_only_finite_buckets_beyond_all_gets_largest() -> None:
    buckets = (SizeBucket("b", 10, "ffffff"), SizeBucket("a", 5, "ffffff"))
    assert size_bucket(50, buckets).name == "b"


@pytest.mark.parametrize(
    ("label", "expected"),
    [("size/XS", True), ("size/custom", True), ("sizeXS", False), ("XS", False)],
    ids=["builtin", "custom", "no-slash", "bare"],
)
def test_is_size_label(label: str, expected: bool) -> None:
    assert is_size_label(label) is expected
