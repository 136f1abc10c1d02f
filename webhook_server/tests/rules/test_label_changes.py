"""Label diffs: exactly one size label, branch label swap, `wip` from title."""

import pytest

from webhook_server.libs.rules.label_changes import (
    LabelDiff,
    branch_label_diff,
    diff_labels,
    size_label_diff,
    title_after_wip,
    title_after_wip_cancel,
    title_wants_wip,
    wip_label_diff,
)


@pytest.mark.parametrize(
    ("current", "size_label", "expected"),
    [
        ((), "size/M", LabelDiff(to_add=("size/M",))),
        (("size/M", "bug"), "size/M", LabelDiff()),
        (("size/L", "size/XS", "bug"), "size/M", LabelDiff(to_add=("size/M",), to_remove=("size/L", "size/XS"))),
        (("size/M", "size/L"), "size/M", LabelDiff(to_remove=("size/L",))),
        (("size/custom",), "size/XS", LabelDiff(to_add=("size/XS",), to_remove=("size/custom",))),
    ],
    ids=["first-size", "unchanged", "removes-every-other-size", "keeps-desired-removes-rest", "custom-bucket-removed"],
)
def test_size_label_diff(current: tuple[str, ...], size_label: str, expected: LabelDiff) -> None:
    assert size_label_diff(current, size_label) == expected


@pytest.mark.parametrize(
    ("current", "base", "expected"),
    [
        ((), "main", LabelDiff(to_add=("branch-main",))),
        (("branch-main",), "main", LabelDiff()),
        (("branch-main", "lgtm-a"), "release-1", LabelDiff(to_add=("branch-release-1",), to_remove=("branch-main",))),
    ],
    ids=["add", "unchanged", "base-changed"],
)
def test_branch_label_diff(current: tuple[str, ...], base: str, expected: LabelDiff) -> None:
    assert branch_label_diff(current, base) == expected


@pytest.mark.parametrize(
    ("title", "current", "wants_wip", "expected"),
    [
        ("WIP: thing", (), True, LabelDiff(to_add=("wip",))),
        ("wip:thing", (), True, LabelDiff(to_add=("wip",))),
        ("Wip: thing", ("wip",), True, LabelDiff()),
        ("feat: thing", ("wip",), False, LabelDiff(to_remove=("wip",))),
        ("feat: wip: thing", (), False, LabelDiff()),
        ("WIP thing", ("wip", "hold"), False, LabelDiff(to_remove=("wip",))),
    ],
    ids=["upper", "no-space", "already", "removed", "not-prefix", "no-colon"],
)
def test_wip_from_title(title: str, current: tuple[str, ...], wants_wip: bool, expected: LabelDiff) -> None:
    assert title_wants_wip(title) is wants_wip
    assert wip_label_diff(current, title) == expected


def test_diff_labels_scope_and_merge() -> None:
    diff = diff_labels(("a-1", "a-2", "b"), ("a-2", "a-3", "a-3"), lambda label: label.startswith("a-"))
    assert diff == LabelDiff(to_add=("a-3",), to_remove=("a-1",))
    merged = diff.merged_with(LabelDiff(to_add=("a-3", "c"), to_remove=("d",)))
    assert merged == LabelDiff(to_add=("a-3", "c"), to_remove=("a-1", "d"))
    assert LabelDiff().is_empty
    assert not merged.is_empty


@pytest.mark.parametrize(
    ("title", "expected"),
    [("add x", "WIP: add x"), ("WIP: add x", None), ("wip:add x", None), ("Wipe the floor", "WIP: Wipe the floor")],
    ids=["prefixed", "already-upper", "already-lower-no-space", "word-starting-with-wip"],
)
def test_title_after_wip(title: str, expected: str | None) -> None:
    assert title_after_wip(title) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("WIP: add x", "add x"),
        ("wip:add x", "add x"),
        ("Wip:  two spaces", " two spaces"),
        ("add x", None),
        ("WIPE", None),
    ],
    ids=["with-space", "without-space", "only-one-space-stripped", "no-prefix", "no-colon"],
)
def test_title_after_wip_cancel(title: str, expected: str | None) -> None:
    assert title_after_wip_cancel(title) == expected
