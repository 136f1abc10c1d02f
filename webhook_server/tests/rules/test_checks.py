"""Check names, enabled/required/retestable sets and branch-protection required checks."""

import pytest

from webhook_server.libs.rules.checks import (
    RESERVED_CHECK_NAMES,
    CheckConclusion,
    CheckOutput,
    CheckResult,
    CustomCheck,
    EnabledChecks,
    branch_protection_required_checks,
    command_check_names,
    inline_check_names,
    is_valid_custom_check_name,
    merge_required_checks,
    optional_check_names,
    retestable_check_names,
)

EVERYTHING = EnabledChecks(
    tox=True,
    pre_commit=True,
    python_module_install=True,
    build_container=True,
    conventional_title=True,
    custom_checks=(CustomCheck("lint"), CustomCheck("docs", mandatory=False)),
)
NOTHING = EnabledChecks(verified=False, suspicious_paths=False, committer_identity=False)


def test_reserved_names_are_the_ten() -> None:
    assert sorted(RESERVED_CHECK_NAMES) == sorted(
        [
            "tox",
            "pre-commit",
            "python-module-install",
            "build-container",
            "conventional-title",
            "can-be-merged",
            "security-suspicious-paths",
            "security-committer-identity",
            "verified",
            "CherryPicked",
        ]
    )


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("lint", True),
        ("my.check_1-a", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("", False),
        ("has space", False),
        ("verified", False),
        ("CherryPicked", False),
        ("tox", False),
    ],
    ids=[
        "simple",
        "punctuation",
        "64-chars",
        "65-chars",
        "empty",
        "space",
        "reserved-verified",
        "reserved-cherry",
        "reserved-tox",
    ],
)
def test_custom_check_name(name: str, valid: bool) -> None:
    assert is_valid_custom_check_name(name) is valid


@pytest.mark.parametrize(
    ("enabled", "command", "inline"),
    [
        (
            EVERYTHING,
            ("tox", "pre-commit", "python-module-install", "build-container", "lint", "docs"),
            ("conventional-title", "security-suspicious-paths", "security-committer-identity"),
        ),
        (NOTHING, (), ()),
        (EnabledChecks(), (), ("security-suspicious-paths", "security-committer-identity")),
        (EnabledChecks(committer_identity=False, tox=True), ("tox",), ("security-suspicious-paths",)),
    ],
    ids=["everything", "nothing", "defaults", "tox-and-paths"],
)
def test_command_and_inline_names(enabled: EnabledChecks, command: tuple[str, ...], inline: tuple[str, ...]) -> None:
    assert command_check_names(enabled) == command
    assert inline_check_names(enabled) == inline
    assert retestable_check_names(enabled) == command + inline


def test_optional_custom_checks() -> None:
    assert optional_check_names(EVERYTHING) == frozenset({"docs"})


@pytest.mark.parametrize(
    ("enabled", "protection", "expected"),
    [
        (NOTHING, (), ()),
        (EnabledChecks(), (), ("verified", "security-suspicious-paths", "security-committer-identity")),
        (EnabledChecks(security_mandatory=False), (), ("verified",)),
        (
            EVERYTHING,
            ("ci/jenkins", "tox", "can-be-merged"),
            (
                "ci/jenkins",
                "tox",
                "verified",
                "build-container",
                "python-module-install",
                "pre-commit",
                "conventional-title",
                "lint",
                "security-suspicious-paths",
                "security-committer-identity",
            ),
        ),
    ],
    ids=["nothing", "defaults", "security-advisory", "everything-with-protection-contexts"],
)
def test_merge_required_checks(enabled: EnabledChecks, protection: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert merge_required_checks(enabled, protection) == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"enabled": NOTHING}, ("can-be-merged",)),
        ({"enabled": EnabledChecks()}, ("can-be-merged", "verified")),
        (
            {"enabled": EVERYTHING, "has_pre_commit_config": True},
            (
                "can-be-merged",
                "tox",
                "verified",
                "build-container",
                "python-module-install",
                "pre-commit",
                "conventional-title",
                "pre-commit.ci - pr",
            ),
        ),
        (
            {"enabled": EnabledChecks(tox=True), "default_status_checks": ("ci", "tox", "ci")},
            ("ci", "tox", "can-be-merged", "verified"),
        ),
        ({"enabled": EVERYTHING, "include_runs": ("only-this",)}, ("only-this",)),
        (
            {"enabled": EnabledChecks(tox=True), "exclude_runs": ("verified", "can-be-merged")},
            ("tox",),
        ),
        ({"enabled": EnabledChecks(), "include_runs": ()}, ("can-be-merged", "verified")),
    ],
    ids=[
        "nothing",
        "defaults",
        "everything",
        "dedupe-keeps-first",
        "include-verbatim",
        "exclude",
        "empty-include-is-auto",
    ],
)
def test_branch_protection_required_checks(kwargs: dict[str, object], expected: tuple[str, ...]) -> None:
    enabled = kwargs.pop("enabled")
    assert isinstance(enabled, EnabledChecks)
    assert branch_protection_required_checks(enabled, **kwargs) == expected  # type: ignore[arg-type]


def test_check_result_passed() -> None:
    output = CheckOutput(title="t", summary="s")
    assert CheckResult(CheckConclusion.SUCCESS, output).passed
    assert not CheckResult(CheckConclusion.FAILURE, output).passed
