"""AI help for the `conventional-title` check: the prompt, reading the answer, and the check results of the
`suggest` and `fix` modes (`oracle-and-ai.md` §3.2, `checks.md` §4.1). Pure: no I/O."""

from __future__ import annotations

from dataclasses import replace

from webhook_server.libs.rules.checks import CheckConclusion, CheckOutput, CheckResult
from webhook_server.libs.rules.conventional_title import (
    REQUIRED_FORMAT,
    VALID_TITLE,
    is_conventional_title,
    parse_allowed_types,
)

SUGGEST_MODE = "suggest"
FIX_MODE = "fix"
QUOTES = "\"'`"
MAX_TITLE_CHARS = 256  # GitHub's limit on a PR title: longer candidates are not titles
SUGGESTED_HEADING = "### AI-Suggested Title"
FIX_APPLIED_HEADING = "### AI Auto-Fix Applied"
FIX_SKIPPED_HEADING = "### AI Auto-Fix Not Applied"
INVALID_SUGGESTION_REASON = "the suggested title does not follow Conventional Commits either"
SAME_TITLE_REASON = "the suggested title is the same as the current title"


def title_prompt(title: str, config_value: str, base_ref: str) -> str:
    """The task prompt: current title, allowed types, format, how to look at the change, title only."""
    allowed = parse_allowed_types(config_value)
    types = (
        "Any type is accepted (letters, digits, `_` and `-`)."
        if allowed.any_type
        else "Allowed types (exact, case-sensitive): " + ", ".join(allowed.types) + "."
    )
    return "\n".join(
        [
            "This pull request title does not follow the Conventional Commits format:",
            f"Current title: {title}",
            "",
            f"Required format: {REQUIRED_FORMAT}",
            "A scope, when present, is in parentheses; `!` before the colon marks a breaking change.",
            types,
            "",
            "Look at the change to understand it:",
            f"- git diff {base_ref} --stat",
            f"- git log {base_ref}..HEAD --oneline",
            "",
            "Do not modify any file.",
            "Answer with the new title only: one line, no explanation, no quotes.",
        ]
    )


def _token_starts(line: str) -> list[int]:
    """Positions where a word may start: the line start and every position after a space or quote."""
    return [0] + [index for index in range(1, len(line)) if line[index - 1].isspace() or line[index - 1] in QUOTES]


def _conventional_in_line(line: str, config_value: str) -> str | None:
    allowed = parse_allowed_types(config_value)
    for start in _token_starts(line):
        candidate = line[start:].strip().strip(QUOTES)
        if len(candidate) <= MAX_TITLE_CHARS and is_conventional_title(candidate, allowed):
            return candidate
    return None


def parse_suggested_title(answer: str, config_value: str) -> str:
    """The first substring that is a conventional title, else the first non-empty line; quotes stripped."""
    lines = [line.strip() for line in answer.splitlines() if line.strip()]
    for line in lines:
        found = _conventional_in_line(line, config_value)
        if found is not None:
            return found
    return lines[0].strip(QUOTES).strip() if lines else ""


def fix_skip_reason(title: str, suggestion: str, config_value: str) -> str | None:
    """Why `fix` mode must not apply `suggestion`, or None when it may edit the title."""
    if not is_conventional_title(suggestion, parse_allowed_types(config_value)):
        return INVALID_SUGGESTION_REASON
    if suggestion == title:
        return SAME_TITLE_REASON
    return None


def _with_section(failed: CheckResult, lines: list[str]) -> CheckResult:
    return replace(failed, output=replace(failed.output, text="\n".join([failed.output.text, "", *lines])))


def suggested_title_result(failed: CheckResult, suggestion: str, config_value: str) -> CheckResult:
    """`suggest` mode: still `failure`, with an AI-Suggested Title section (noting an invalid suggestion)."""
    lines = [SUGGESTED_HEADING, "", f"`{suggestion}`"]
    if not is_conventional_title(suggestion, parse_allowed_types(config_value)):
        lines += ["", f"Note: {INVALID_SUGGESTION_REASON}."]
    return _with_section(failed, lines)


def fix_not_applied_result(failed: CheckResult, suggestion: str, reason: str) -> CheckResult:
    """`fix` mode without an edit: `failure`, with a section saying why the title was not changed."""
    lines = [FIX_SKIPPED_HEADING, "", f"AI suggestion: `{suggestion}`", "", f"The title was not changed: {reason}."]
    return _with_section(failed, lines)


def fix_applied_result(old_title: str, new_title: str) -> CheckResult:
    """`fix` mode after the title was edited: `success` with the old → new section."""
    text = "\n".join(
        [
            FIX_APPLIED_HEADING,
            "",
            f"The PR title was changed by AI: `{old_title}` → `{new_title}`",
            "",
            "The new title follows the Conventional Commits specification.",
        ]
    )
    return CheckResult(
        CheckConclusion.SUCCESS,
        CheckOutput(
            title=VALID_TITLE, summary="AI Auto-Fix Applied: the PR title now follows Conventional Commits", text=text
        ),
    )
