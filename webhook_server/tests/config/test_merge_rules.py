"""Table tests of the precedence and merge rules of spec config.md §7 (layers: local, repository, root)."""

import logging
from typing import Any

import pytest

from webhook_server.libs.config import BranchProtection
from webhook_server.libs.config.merge import (
    conversation_resolution_required,
    effective_tokens,
    generic_lookup,
    lookup_with_index,
    merge_branch_protection,
    merge_labels,
)

GENERIC_CASES = [
    ({"minimum-lgtm": 3}, {"minimum-lgtm": 2}, {"minimum-lgtm": 1}, "minimum-lgtm", 3),
    ({}, {"minimum-lgtm": 2}, {"minimum-lgtm": 1}, "minimum-lgtm", 2),
    ({}, {}, {"minimum-lgtm": 1}, "minimum-lgtm", 1),
    ({"pre-commit": False}, {"pre-commit": True}, {}, "pre-commit", False),
    ({"set-auto-merge-prs": []}, {"set-auto-merge-prs": ["main"]}, {}, "set-auto-merge-prs", []),
    ({"welcome-extra-info": ""}, {"welcome-extra-info": "repo text"}, {}, "welcome-extra-info", ""),
    ({"minimum-lgtm": None}, {"minimum-lgtm": None}, {"minimum-lgtm": 1}, "minimum-lgtm", 1),
    ({"tox": {"main": "py312"}}, {"tox": {"dev": "lint"}}, {}, "tox", {"main": "py312"}),
    ({}, {"pypi": {"token": "repo-token"}}, {"pypi": {"token": "root-token"}}, "pypi.token", "repo-token"),
    ({"pypi": "not-a-map"}, {}, {"pypi": {"token": "root-token"}}, "pypi.token", "root-token"),
    ({}, {}, {}, "minimum-lgtm", "default"),
]


@pytest.mark.parametrize(
    ("local", "repository", "root", "key", "expected"),
    GENERIC_CASES,
    ids=[
        "local-wins",
        "repository-over-root",
        "root-fallback",
        "explicit-false-wins",
        "explicit-empty-list-wins",
        "explicit-empty-string-wins",
        "explicit-null-falls-through",
        "whole-value-replaces-no-deep-merge",
        "dotted-key-walks-nested-maps",
        "dotted-key-through-non-mapping-falls-through",
        "nothing-set-gives-default",
    ],
)
def test_generic_lookup(
    local: dict[str, Any], repository: dict[str, Any], root: dict[str, Any], key: str, expected: Any
) -> None:
    assert generic_lookup((local, repository, root), key, "default") == expected


def test_lookup_reports_the_winning_layer() -> None:
    assert lookup_with_index(({}, {"a": 1}, {"a": 2}), "a") == (1, 1)
    assert lookup_with_index(({}, {}, {}), "a") == (None, None)


LABEL_CASES = [
    ({}, {}, {}, {}),
    ({"labels": {"colors": {"hold": "red"}}}, {}, {}, {"colors": {"hold": "red"}}),
    (
        {"labels": {"enabled-labels": ["size"], "colors": {"hold": "red"}}},
        {"labels": {"colors": {"wip": "blue"}}},
        {},
        {"colors": {"wip": "blue"}},
    ),
    (
        {},
        {"labels": {"enabled-labels": ["verified", "hold"], "colors": {"hold": "red"}}},
        {"labels": {"colors": {"wip": "orange"}}},
        {"enabled-labels": ["verified", "hold"], "colors": {"hold": "red", "wip": "orange"}},
    ),
    (
        {"labels": {"enabled-labels": ["size"], "colors": {"hold": "red"}}},
        {},
        {"labels": {"colors": {"hold": "pink"}}},
        {"enabled-labels": ["size"], "colors": {"hold": "pink"}},
    ),
    (
        {},
        {"labels": {"enabled-labels": ["verified"]}},
        {"labels": {"enabled-labels": []}},
        {"enabled-labels": []},
    ),
]


@pytest.mark.parametrize(
    ("root", "repository", "local", "expected"),
    LABEL_CASES,
    ids=[
        "nothing-set",
        "root-only",
        "repository-block-replaces-root-block",
        "local-overlays-repository-colours-key-by-key",
        "local-overlays-root-when-repository-has-none",
        "local-enabled-labels-replace-base",
    ],
)
def test_merge_labels(
    root: dict[str, Any], repository: dict[str, Any], local: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert merge_labels(root, repository, local) == expected


BRANCH_PROTECTION_CASES = [
    ({}, {}, BranchProtection()),
    ({"branch-protection": {"strict": False}}, {}, BranchProtection(strict=False)),
    (
        {"branch-protection": {"strict": False, "required_approving_review_count": 2}},
        {"branch-protection": {"required_approving_review_count": 1}},
        BranchProtection(strict=False, required_approving_review_count=1),
    ),
    (
        {},
        {"branch-protection": {"require_code_owner_reviews": True, "unknown_field": True}},
        BranchProtection(require_code_owner_reviews=True),
    ),
]


@pytest.mark.parametrize(
    ("root", "repository", "expected"),
    BRANCH_PROTECTION_CASES,
    ids=[
        "built-in-defaults",
        "root-field-over-default",
        "repository-field-over-root-field-others-kept",
        "unknown-fields-ignored",
    ],
)
def test_merge_branch_protection(root: dict[str, Any], repository: dict[str, Any], expected: BranchProtection) -> None:
    assert merge_branch_protection(root, repository) == expected


def protection(value: Any) -> dict[str, Any]:
    return {"branch-protection": {"required_conversation_resolution": value}}


CONVERSATION_CASES = [
    ({}, {}, {}, True),
    (protection(False), protection(True), protection(True), False),
    ({}, protection(False), protection(True), False),
    ({}, {"branch-protection": {"strict": True}}, protection(False), False),
    (protection("no"), {}, protection(False), False),
    (protection(True), {}, protection(False), True),
]


@pytest.mark.parametrize(
    ("local", "repository", "root", "expected"),
    CONVERSATION_CASES,
    ids=[
        "default-true",
        "local-first",
        "repository-when-local-unset",
        "root-when-repository-block-lacks-the-field",
        "non-boolean-ignored",
        "local-true-beats-root-false",
    ],
)
def test_conversation_resolution_first_boolean(
    local: dict[str, Any], repository: dict[str, Any], root: dict[str, Any], expected: bool
) -> None:
    assert conversation_resolution_required((local, repository, root)) is expected


def test_non_boolean_conversation_flag_is_warned(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        conversation_resolution_required((protection("no"), {}, {}))
    assert "Ignoring non-boolean branch-protection.required_conversation_resolution: 'no'" in caplog.text


TOKEN_CASES = [
    ({"github-tokens": ["root"]}, {}, ("root",)),
    ({"github-tokens": ["root"]}, {"github-tokens": ["repo-1", "repo-2"]}, ("repo-1", "repo-2")),
    ({"github-tokens": ["root"]}, {"github-tokens": []}, ()),
    ({}, {}, ()),
]


@pytest.mark.parametrize(
    ("root", "repository", "expected"),
    TOKEN_CASES,
    ids=["root-list", "repository-list-replaces-root", "empty-repository-list-still-replaces", "none"],
)
def test_effective_tokens(root: dict[str, Any], repository: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert effective_tokens(root, repository) == expected
