"""The `conventional-title` check: Conventional Commits title validation and its output (`checks.md` §4.1)."""

import re
from dataclasses import dataclass

from webhook_server.libs.rules.checks import CheckConclusion, CheckOutput, CheckResult

ANY_TYPE = "*"
SPEC_URL = "https://www.conventionalcommits.org/en/v1.0.0/"
REQUIRED_FORMAT = "<type>[optional scope]: <description>"
VALID_TITLE = "Conventional Title"
INVALID_TITLE = "❌ Conventional Title"
_ANY_TYPE_PATTERN = r"[\w-]+"
_REST_PATTERN = r"(?:\([^)]+\))?!?: .+"


@dataclass(frozen=True)
class AllowedTypes:
    """The configured types, or any type (`*`)."""

    types: tuple[str, ...]
    any_type: bool = False


def parse_allowed_types(config_value: str) -> AllowedTypes:
    """`conventional-title`: `*`, or a comma-separated list of types (each trimmed, empty items dropped)."""
    if config_value.strip() == ANY_TYPE:
        return AllowedTypes(types=(), any_type=True)
    return AllowedTypes(types=tuple(item.strip() for item in config_value.split(",") if item.strip()))


def _title_pattern(allowed: AllowedTypes) -> re.Pattern[str]:
    if allowed.any_type:
        type_pattern = _ANY_TYPE_PATTERN
    else:
        # Longest first so that `feat` does not shadow `feature` in the alternation.
        ordered = sorted(allowed.types, key=len, reverse=True)
        type_pattern = "|".join(re.escape(name) for name in ordered) or r"(?!)"
    return re.compile(rf"(?:{type_pattern}){_REST_PATTERN}", re.DOTALL)


def is_conventional_title(title: str, allowed: AllowedTypes) -> bool:
    """Type (exact, case-sensitive), optional non-empty `(scope)` without `)`, optional `!`, `: `, then text."""
    return _title_pattern(allowed).fullmatch(title) is not None


def _types_line(allowed: AllowedTypes) -> str:
    if allowed.any_type:
        return "Allowed types: any type (letters, digits, `_` and `-`)"
    return "Allowed types: " + ", ".join(f"`{name}`" for name in allowed.types)


def _example_type(allowed: AllowedTypes) -> str:
    return allowed.types[0] if allowed.types else "feat"


def conventional_title_result(title: str, config_value: str) -> CheckResult:
    """The check result for a PR title under the configured types."""
    allowed = parse_allowed_types(config_value)
    if is_conventional_title(title, allowed):
        return CheckResult(
            CheckConclusion.SUCCESS,
            CheckOutput(
                title=VALID_TITLE,
                summary="The PR title follows Conventional Commits",
                text=f"Title: `{title}`\n\nThis title follows the Conventional Commits specification.",
            ),
        )
    example = _example_type(allowed)
    text = "\n".join(
        [
            f"Title: `{title}`",
            "",
            f"Required format: `{REQUIRED_FORMAT}`",
            "",
            _types_line(allowed),
            "",
            "Examples:",
            f"- `{example}: add a new option`",
            f"- `{example}(parser): handle empty input`",
            f"- `{example}!: drop support for the old format`",
            "",
            f"Specification: {SPEC_URL}",
        ]
    )
    return CheckResult(
        CheckConclusion.FAILURE,
        CheckOutput(title=INVALID_TITLE, summary="The PR title does not follow Conventional Commits", text=text),
    )
