"""Security check verdicts: suspicious path prefixes and committer identity (checks.md §4.2–4.3)."""

import pytest

from webhook_server.libs.rules.checks import CheckConclusion
from webhook_server.libs.rules.security import (
    DEFAULT_SUSPICIOUS_PATHS,
    SECURITY_ERROR_RESULT,
    WEB_FLOW_USER_ID,
    committer_identity_result,
    override_result,
    suspicious_files,
    suspicious_paths_result,
    trusted_committers,
)


@pytest.mark.parametrize(
    ("changed", "prefixes", "matched"),
    [
        (("src/a.py", ".github/workflows/ci.yml"), DEFAULT_SUSPICIOUS_PATHS, (".github/workflows/ci.yml",)),
        (
            (".vscode/settings.json", ".claude/x", "README.md"),
            DEFAULT_SUSPICIOUS_PATHS,
            (".vscode/settings.json", ".claude/x"),
        ),
        ((".github/CODEOWNERS",), DEFAULT_SUSPICIOUS_PATHS, ()),
        (("docs/.vscode/x",), DEFAULT_SUSPICIOUS_PATHS, ()),
        (("scripts/deploy.sh",), ("scripts/",), ("scripts/deploy.sh",)),
        ((".github/workflows/ci.yml",), (), ()),
    ],
    ids=["workflow", "several", "other-github-file", "prefix-only-at-start", "custom-prefix", "no-prefixes"],
)
def test_suspicious_files(changed: tuple[str, ...], prefixes: tuple[str, ...], matched: tuple[str, ...]) -> None:
    assert suspicious_files(changed, prefixes) == matched


def test_default_suspicious_paths() -> None:
    assert DEFAULT_SUSPICIOUS_PATHS == (
        ".claude/",
        ".vscode/",
        ".cursor/",
        ".devcontainer/",
        ".pi/",
        ".github/workflows/",
        ".github/actions/",
    )


def test_suspicious_paths_result_outputs() -> None:
    clean = suspicious_paths_result(["src/a.py"], (".github/workflows/",))
    assert clean.conclusion is CheckConclusion.SUCCESS
    assert clean.output.title == "Security: Suspicious Paths"
    assert ".github/workflows/" in clean.output.text
    flagged = suspicious_paths_result([".github/workflows/ci.yml"], (".github/workflows/",))
    assert flagged.conclusion is CheckConclusion.FAILURE
    assert flagged.output.title == "❌ Security: Suspicious Paths Detected"
    assert ".github/workflows/ci.yml" in flagged.output.text
    assert SECURITY_ERROR_RESULT.output.title == "Security check error"
    assert SECURITY_ERROR_RESULT.output.summary == "Unexpected error during check"


TRUSTED = trusted_committers(["Release-Bot"], "myapp[bot]", ["api-user"])


def test_trusted_committers() -> None:
    assert frozenset({"release-bot", "myapp[bot]", "api-user", "web-flow"}) == TRUSTED
    assert trusted_committers([], None, []) == frozenset({"web-flow"})


@pytest.mark.parametrize(
    ("login", "user_id", "conclusion", "title"),
    [
        (None, None, CheckConclusion.FAILURE, "❌ Security: Committer Identity Unknown"),
        ("Author", 5, CheckConclusion.SUCCESS, "Security: Committer Identity"),
        ("web-flow", WEB_FLOW_USER_ID, CheckConclusion.SUCCESS, "Security: Committer Identity"),
        ("web-flow", 1234, CheckConclusion.FAILURE, "❌ Security: Committer Identity Suspicious"),
        ("Web-Flow", None, CheckConclusion.FAILURE, "❌ Security: Committer Identity Suspicious"),
        ("release-bot", 7, CheckConclusion.SUCCESS, "Security: Committer Identity"),
        ("myapp[bot]", 8, CheckConclusion.SUCCESS, "Security: Committer Identity"),
        ("API-USER", 9, CheckConclusion.SUCCESS, "Security: Committer Identity"),
        ("mallory", 10, CheckConclusion.FAILURE, "❌ Security: Committer Identity Mismatch"),
    ],
    ids=[
        "unknown",
        "author",
        "genuine-web-flow",
        "spoofed-web-flow",
        "web-flow-without-id",
        "configured-trusted",
        "bot-login",
        "api-user",
        "mismatch",
    ],
)
def test_committer_identity(login: str | None, user_id: int | None, conclusion: CheckConclusion, title: str) -> None:
    result = committer_identity_result(login, user_id, "author", TRUSTED)
    assert result.conclusion is conclusion
    assert result.output.title == title


def test_override_result() -> None:
    result = override_result("admin")
    assert result.conclusion is CheckConclusion.SUCCESS
    assert result.output.title == "Overridden by maintainer @admin"
    assert result.output.summary == "Security check overridden by maintainer"
    assert "`/security-override cancel`" in result.output.text
