"""Merge method choice, server-side `automerge` gate and native auto-merge decisions (§13)."""

from dataclasses import replace

import pytest

from webhook_server.libs.rules.automerge import (
    AUTO_MERGE_BLOCKED_PREFIX,
    MergeMethod,
    NativeAutoMergeAction,
    NativeAutoMergeInputs,
    auto_merge_blocked_comment,
    choose_merge_method,
    decide_native_auto_merge,
    should_server_merge,
)


@pytest.mark.parametrize(
    ("squash", "merge", "rebase", "expected"),
    [
        (True, True, True, MergeMethod.SQUASH),
        (False, True, True, MergeMethod.MERGE),
        (False, False, True, MergeMethod.REBASE),
        (False, False, False, None),
        (True, False, False, MergeMethod.SQUASH),
    ],
    ids=["all-allowed", "no-squash", "rebase-only", "none", "squash-only"],
)
def test_choose_merge_method(squash: bool, merge: bool, rebase: bool, expected: MergeMethod | None) -> None:
    assert choose_merge_method(squash, merge, rebase) == expected


def test_graphql_names() -> None:
    assert [method.graphql_name for method in MergeMethod] == ["SQUASH", "MERGE", "REBASE"]


OPEN_PR = {"labels": ("automerge",), "is_open": True, "draft": False, "merged": False, "head_sha": "abc"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, True),
        ({"labels": ()}, False),
        ({"is_open": False}, False),
        ({"draft": True}, False),
        ({"merged": True}, False),
        ({"head_sha": "new"}, False),
    ],
    ids=["merge", "no-label", "closed", "draft", "already-merged", "head-moved"],
)
def test_should_server_merge(changes: dict[str, object], expected: bool) -> None:
    state = {**OPEN_PR, **changes}
    assert should_server_merge(evaluated_sha="abc", **state) is expected  # type: ignore[arg-type]


BASE = NativeAutoMergeInputs(
    base_ref="main",
    author="dev",
    labels=(),
    currently_enabled=False,
    changed_files=("src/a.py",),
    set_auto_merge_prs=("release",),
    auto_verified_users=("trusted",),
    api_users=("bot-user",),
    suspicious_prefixes=(".github/workflows/",),
)
WORKFLOW = (".github/workflows/ci.yml", "src/a.py")
ENABLE = NativeAutoMergeAction.ENABLE
DISABLE = NativeAutoMergeAction.DISABLE
NONE = NativeAutoMergeAction.NONE


@pytest.mark.parametrize(
    ("changes", "action", "blocked"),
    [
        ({}, NONE, ()),
        ({"base_ref": "release"}, ENABLE, ()),
        ({"author": "Trusted"}, ENABLE, ()),
        ({"author": "bot-user"}, ENABLE, ()),
        ({"author": "trusted", "currently_enabled": True}, NONE, ()),
        ({"currently_enabled": True}, NONE, ()),
        ({"author": "trusted", "labels": ("ai-resolved-conflicts",)}, NONE, ()),
        ({"author": "trusted", "labels": ("ai-resolved-conflicts",), "currently_enabled": True}, DISABLE, ()),
        ({"author": "trusted", "changed_files": WORKFLOW}, NONE, (".github/workflows/ci.yml",)),
        (
            {"author": "trusted", "changed_files": WORKFLOW, "suspicious_check_conclusion": "failure"},
            NONE,
            (".github/workflows/ci.yml",),
        ),
        ({"changed_files": WORKFLOW, "currently_enabled": True}, DISABLE, (".github/workflows/ci.yml",)),
        ({"author": "trusted", "changed_files": WORKFLOW, "suspicious_check_conclusion": "success"}, ENABLE, ()),
        ({"changed_files": WORKFLOW}, NONE, ()),
        ({"author": "trusted", "changed_files": WORKFLOW, "suspicious_prefixes": ()}, ENABLE, ()),
    ],
    ids=[
        "not-wanted",
        "base-in-set-auto-merge-prs",
        "auto-verified-author",
        "api-user-author",
        "already-enabled",
        "enabled-by-hand-left-alone",
        "ai-resolved-never-enables",
        "ai-resolved-disables",
        "suspicious-blocks-enable",
        "suspicious-failed-check-blocks",
        "suspicious-disables-enabled",
        "suspicious-overridden-check-success",
        "suspicious-but-not-wanted-no-comment",
        "suspicious-paths-disabled",
    ],
)
def test_native_auto_merge(changes: dict[str, object], action: NativeAutoMergeAction, blocked: tuple[str, ...]) -> None:
    decision = decide_native_auto_merge(replace(BASE, **changes))  # type: ignore[arg-type]
    assert decision.action is action
    assert decision.blocked_files == blocked


def test_blocked_comment_starts_with_exact_marker() -> None:
    comment = auto_merge_blocked_comment([".github/workflows/ci.yml"])
    assert comment.startswith("Auto-merge blocked: PR modifies security-sensitive paths:")
    assert comment.startswith(AUTO_MERGE_BLOCKED_PREFIX)
    assert "`.github/workflows/ci.yml`" in comment
