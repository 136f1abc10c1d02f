"""Conventional-title validation (checks.md §4.1) and its outputs."""

import pytest

from webhook_server.libs.rules.checks import CheckConclusion
from webhook_server.libs.rules.conventional_title import (
    SPEC_URL,
    AllowedTypes,
    conventional_title_result,
    is_conventional_title,
    parse_allowed_types,
)

TYPES = "feat, fix,docs ,feature"


@pytest.mark.parametrize(
    ("title", "config", "valid"),
    [
        ("feat: add x", TYPES, True),
        ("fix(parser): handle y", TYPES, True),
        ("feat!: drop z", TYPES, True),
        ("feat(api)!: drop z", TYPES, True),
        ("feature: long type", TYPES, True),
        ("docs: a", TYPES, True),
        ("Feat: add x", TYPES, False),
        ("chore: tidy", TYPES, False),
        ("feat:add x", TYPES, False),
        ("feat: ", TYPES, False),
        ("feat:", TYPES, False),
        ("feat(): empty scope", TYPES, False),
        ("feat(a)b): bad", TYPES, False),
        ("feat!(api): order", TYPES, False),
        ("feat add x", TYPES, False),
        ("featx: add", TYPES, False),
        (" feat: add", TYPES, False),
        ("anything-goes_1: ok", "*", True),
        ("chore(deps): bump", " * ", True),
        ("two words: no", "*", False),
        ("feat: x", "", False),
        ("f.x: y", "f.x", True),
        ("fax: y", "f.x", False),
    ],
    ids=[
        "simple",
        "scope",
        "breaking",
        "scope-and-breaking",
        "longer-type",
        "trimmed-type",
        "case-sensitive",
        "type-not-allowed",
        "no-space",
        "no-description",
        "no-colon-space",
        "empty-scope",
        "paren-in-scope",
        "bang-before-scope",
        "no-colon",
        "type-prefix-only",
        "leading-space",
        "star-any-word",
        "star-trimmed",
        "star-no-spaces",
        "empty-config",
        "regex-chars-escaped",
        "regex-chars-literal",
    ],
)
def test_is_conventional_title(title: str, config: str, valid: bool) -> None:
    assert is_conventional_title(title, parse_allowed_types(config)) is valid


def test_parse_allowed_types() -> None:
    assert parse_allowed_types(" feat , fix,,") == AllowedTypes(types=("feat", "fix"))
    assert parse_allowed_types("*") == AllowedTypes(types=(), any_type=True)


def test_valid_output() -> None:
    result = conventional_title_result("feat: add x", "feat")
    assert result.conclusion is CheckConclusion.SUCCESS
    assert result.output.title == "Conventional Title"
    assert "feat: add x" in result.output.text


@pytest.mark.parametrize(
    ("config", "types_text"),
    [("feat,fix", "`feat`, `fix`"), ("*", "any type")],
    ids=["listed-types", "any-type"],
)
def test_invalid_output(config: str, types_text: str) -> None:
    result = conventional_title_result("bad title", config)
    assert result.conclusion is CheckConclusion.FAILURE
    assert result.output.title == "❌ Conventional Title"
    text = result.output.text
    assert "bad title" in text
    assert "<type>[optional scope]: <description>" in text
    assert types_text in text
    assert SPEC_URL in text
    assert "Examples" in text
