"""Login normalisation and case-insensitive comparison."""

import pytest

from webhook_server.libs.rules.logins import (
    contains_login,
    normalize_login,
    same_login,
    unique_sorted_logins,
    without_login,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("@alice", "alice"), (" bob ", "bob"), ("@@c", "c"), ("d", "d")],
    ids=["at", "spaces", "double-at", "plain"],
)
def test_normalize_login(raw: str, expected: str) -> None:
    assert normalize_login(raw) == expected


def test_comparisons() -> None:
    assert same_login("@Alice", "alice")
    assert not same_login("alice", "alicia")
    assert contains_login(["Bob", "carol"], "@bob")
    assert not contains_login([], "bob")
    assert without_login(["Bob", "carol", "bob"], "BOB") == ("carol",)


def test_unique_sorted_logins_keeps_first_spelling() -> None:
    assert unique_sorted_logins(["zed", "@Alice", "alice", "Bob", "", "@"]) == ("Alice", "Bob", "zed")
