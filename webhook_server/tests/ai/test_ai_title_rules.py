"""The pure rules of AI title assistance: reading the answer, when `fix` may edit, the outputs, the prompt."""

from __future__ import annotations

import pytest

from webhook_server.libs.rules.ai_title import (
    FIX_APPLIED_HEADING,
    FIX_SKIPPED_HEADING,
    INVALID_SUGGESTION_REASON,
    SAME_TITLE_REASON,
    SUGGESTED_HEADING,
    fix_applied_result,
    fix_not_applied_result,
    fix_skip_reason,
    parse_suggested_title,
    suggested_title_result,
    title_prompt,
)
from webhook_server.libs.rules.checks import CheckConclusion
from webhook_server.libs.rules.conventional_title import INVALID_TITLE, VALID_TITLE, conventional_title_result


@pytest.mark.parametrize(
    ("answer", "types", "expected"),
    [
        ("feat: add login", "feat,fix", "feat: add login"),
        ("  fix(api): handle nulls  \n", "feat,fix", "fix(api): handle nulls"),
        ('"feat: quoted"', "feat,fix", "feat: quoted"),
        ("`feat!: breaking`", "feat,fix", "feat!: breaking"),
        ("Sure! Here is the title:\n\nfix: correct the parser", "feat,fix", "fix: correct the parser"),
        ("Suggested title: `feat: add x`", "feat,fix", "feat: add x"),
        ("prefix: nope\nfix: yes", "feat,fix", "fix: yes"),
        ("Title: chore: tidy", "*", "Title: chore: tidy"),
        ("\n\n'Add a login page'\nsecond line", "feat,fix", "Add a login page"),
        ("Feat: wrong case", "feat,fix", "Feat: wrong case"),
        ("   \n", "feat", ""),
        ("x" * 300 + " feat: inside a very long line", "feat", "feat: inside a very long line"),
        ("feat: " + "y" * 300, "feat", "feat: " + "y" * 300),
    ],
    ids=[
        "plain",
        "scope-and-spaces",
        "double-quotes",
        "backticks",
        "chatter-then-title",
        "inline-after-label",
        "word-boundary-for-types",
        "any-type-takes-the-first-match",
        "no-match-first-line-unquoted",
        "types-are-case-sensitive",
        "blank-answer",
        "found-inside-long-line",
        "over-long-title-falls-back-to-first-line",
    ],
)
def test_parse_suggested_title(answer: str, types: str, expected: str) -> None:
    assert parse_suggested_title(answer, types) == expected


@pytest.mark.parametrize(
    ("title", "suggestion", "reason"),
    [
        ("add login", "feat: add login", None),
        ("add login", "Add login", INVALID_SUGGESTION_REASON),
        ("feat add login", "feat add login", INVALID_SUGGESTION_REASON),
        ("docs: x", "docs: x", SAME_TITLE_REASON),
        ("add login", "", INVALID_SUGGESTION_REASON),
    ],
    ids=["valid-and-new", "invalid", "invalid-and-same", "same-valid", "empty"],
)
def test_fix_skip_reason(title: str, suggestion: str, reason: str | None) -> None:
    assert fix_skip_reason(title, suggestion, "feat,fix,docs") == reason


def test_suggested_title_keeps_the_failure_and_adds_the_section() -> None:
    failed = conventional_title_result("add login", "feat,fix")
    result = suggested_title_result(failed, "feat: add login", "feat,fix")
    assert result.conclusion is CheckConclusion.FAILURE
    assert result.output.title == INVALID_TITLE
    assert result.output.text.startswith(failed.output.text)
    assert f"{SUGGESTED_HEADING}\n\n`feat: add login`" in result.output.text
    assert INVALID_SUGGESTION_REASON not in result.output.text


def test_invalid_suggestion_is_shown_with_a_note() -> None:
    failed = conventional_title_result("add login", "feat,fix")
    result = suggested_title_result(failed, "Add login", "feat,fix")
    assert "`Add login`" in result.output.text
    assert INVALID_SUGGESTION_REASON in result.output.text


def test_fix_outputs() -> None:
    applied = fix_applied_result("add login", "feat: add login")
    assert (applied.conclusion, applied.output.title) == (CheckConclusion.SUCCESS, VALID_TITLE)
    assert FIX_APPLIED_HEADING in applied.output.text
    assert "`add login` → `feat: add login`" in applied.output.text

    failed = conventional_title_result("add login", "feat,fix")
    skipped = fix_not_applied_result(failed, "Add login", INVALID_SUGGESTION_REASON)
    assert (skipped.conclusion, skipped.output.title) == (CheckConclusion.FAILURE, INVALID_TITLE)
    assert FIX_SKIPPED_HEADING in skipped.output.text
    assert INVALID_SUGGESTION_REASON in skipped.output.text


@pytest.mark.parametrize(
    ("types", "types_line"),
    [
        ("feat, fix", "Allowed types (exact, case-sensitive): feat, fix."),
        ("*", "Any type is accepted (letters, digits, `_` and `-`)."),
    ],
    ids=["listed-types", "any-type"],
)
def test_prompt(types: str, types_line: str) -> None:
    prompt = title_prompt("add login", types, "main")
    for part in (
        "Current title: add login",
        "<type>[optional scope]: <description>",
        types_line,
        "git diff main --stat",
        "git log main..HEAD --oneline",
        "Do not modify any file.",
        "Answer with the new title only",
    ):
        assert part in prompt
