"""Welcome comment: byte-exact marker, section order, conditional sections; tracking issue texts."""

import pytest

from webhook_server.libs.rules.labels import ALL_CATEGORIES, LabelCategory
from webhook_server.libs.rules.welcome import (
    NO_RETEST_LINE,
    AiWelcomeInfo,
    CommandGroup,
    CommandHelp,
    SecurityWelcomeInfo,
    WelcomeContext,
    choose_extra_info,
    render_command_section,
    tracking_issue_body,
    tracking_issue_closing_comment,
    tracking_issue_title,
    welcome_comment,
)
from webhook_server.libs.rules.welcome_markers import (
    REFERENCE_WELCOME_MARKER,
    WELCOME_MARKER,
    contains_welcome_marker,
)

COMMANDS = (
    CommandHelp("/wip", "mark as work in progress", CommandGroup.PR_STATUS),
    CommandHelp("/reprocess", "run the PR workflow again", CommandGroup.PR_STATUS),
    CommandHelp("/lgtm", "looks good to me", CommandGroup.REVIEW),
    CommandHelp("/retest tox", "run tox again", CommandGroup.TESTING),
    CommandHelp("/retest lint", "(optional) run lint again", CommandGroup.TESTING),
    CommandHelp("/retest all", "run every check again", CommandGroup.TESTING),
    CommandHelp("/rebase", "rebase on the base branch", CommandGroup.BRANCH),
    CommandHelp("/help", "show this list"),
)


def test_marker_is_byte_exact_first_line() -> None:
    assert WELCOME_MARKER == "<!-- github-webhook-server:welcome -->"
    text = welcome_comment(WelcomeContext(commands=COMMANDS))
    assert text.split("\n", 1)[0] == WELCOME_MARKER
    assert REFERENCE_WELCOME_MARKER not in text
    assert contains_welcome_marker(text)


def test_docs_line_follows_marker() -> None:
    text = welcome_comment(WelcomeContext(commands=COMMANDS, docs_line="Docs: https://example.org/docs"))
    assert text.splitlines()[:2] == [WELCOME_MARKER, "Docs: https://example.org/docs"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [(f"x {WELCOME_MARKER}", True), (f"{REFERENCE_WELCOME_MARKER}\nmore", True), ("/lgtm", False), (None, False)],
    ids=["ours", "reference", "plain", "none"],
)
def test_contains_welcome_marker(body: str | None, expected: bool) -> None:
    assert contains_welcome_marker(body) is expected


FULL = WelcomeContext(
    commands=COMMANDS,
    pr_approvers=("alice",),
    pr_reviewers=("bob", "carol"),
    author_auto_verified=True,
    auto_verified_users=("trusted",),
    pre_commit=True,
    minimum_lgtm=2,
    container=True,
    ai=AiWelcomeInfo(
        provider_model="claude/sonnet",
        conventional_title_mode="fix",
        conflict_resolution=True,
        oracle_triggers=("approved",),
    ),
    extra_info="  Please read CONTRIBUTING.md  ",
)


def test_sections_in_order() -> None:
    text = welcome_comment(FULL)
    headings = [
        WELCOME_MARKER,
        "## Welcome! 🎉",
        "### 🔄 Automatic Actions",
        "### 📋 Available Commands",
        "### ✅ Merge Requirements",
        "### 📊 Review Process",
        "<summary>Approvers and Reviewers</summary>",
        "<summary>Available Labels</summary>",
        "<summary>AI Features</summary>",
        "<summary>Security Checks</summary>",
        "### 💡 Tips",
        "### 📌 Additional Information",
    ]
    positions = [text.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert "Please read CONTRIBUTING.md" in text
    assert "auto-verified user" in text
    assert "@alice" in text
    assert "@bob, @carol" in text
    assert "claude/sonnet" in text
    assert "`/test-oracle` can be used anytime" in text
    assert "at least 2 `/lgtm`" in text
    assert "can be merged" in text
    assert "will be automatically approved" not in text


@pytest.mark.parametrize(
    ("security", "present", "absent"),
    [
        (SecurityWelcomeInfo(), ["`.github/workflows/`", "committer is checked", "mandatory"], ["advisory"]),
        (
            SecurityWelcomeInfo(suspicious_paths=("secrets/",), identity_check=False, mandatory=False),
            ["`secrets/`", "advisory"],
            ["committer is checked", "`.github/workflows/`"],
        ),
    ],
    ids=["defaults-mandatory", "custom-advisory"],
)
def test_security_section(security: SecurityWelcomeInfo, present: list[str], absent: list[str]) -> None:
    section = welcome_comment(WelcomeContext(commands=(), security=security)).split(
        "<summary>Security Checks</summary>"
    )[1]
    assert all(fragment in section for fragment in present)
    assert not any(fragment in section for fragment in absent)


def test_minimal_context_leaves_optional_sections_out() -> None:
    context = WelcomeContext(
        commands=(),
        label_categories=frozenset(),
        verified_job=False,
        tracking_issue=False,
        security=SecurityWelcomeInfo(suspicious_paths=(), identity_check=False),
    )
    text = welcome_comment(context)
    assert "AI Features" not in text
    assert "Security Checks" not in text
    assert "Additional Information" not in text
    assert NO_RETEST_LINE in text
    assert "**Tracking issue**: disabled" in text
    assert "no optional label categories" in text
    assert "`verified`" not in text.split("### 💡 Tips")[0].split("### ✅ Merge Requirements")[1]
    assert "no merge conflicts" in text


@pytest.mark.parametrize(
    ("categories", "present", "absent"),
    [
        (ALL_CATEGORIES, ["`wip`, `hold`, `has-conflicts`", "`automerge`", "all label categories are enabled"], []),
        (
            frozenset({LabelCategory.HOLD}),
            ["no blocking labels (`hold`)", "enabled label categories: `hold`"],
            ["`automerge`", "`wip`, `hold`"],
        ),
    ],
    ids=["all", "hold-only"],
)
def test_label_categories_shape_text(
    categories: frozenset[LabelCategory], present: list[str], absent: list[str]
) -> None:
    text = welcome_comment(WelcomeContext(commands=COMMANDS, label_categories=categories))
    assert all(fragment in text for fragment in present)
    assert not any(fragment in text for fragment in absent)


def test_command_section_groups_and_lines() -> None:
    section = render_command_section(COMMANDS)
    lines = section.splitlines()
    assert lines[0] == "### 📋 Available Commands"
    assert "#### PR Status Management" in lines
    assert "* `/retest tox` - run tox again" in lines
    assert lines[-1] == "* `/help` - show this list"
    assert "#### Container Operations" not in lines
    assert NO_RETEST_LINE not in lines
    assert (
        lines.index("#### Review & Approval")
        < lines.index("#### Testing & Validation")
        < lines.index("#### Branch Management")
    )
    assert not any(line.startswith("/") for line in lines)


def test_testing_group_without_retest_says_none_configured() -> None:
    section = render_command_section((CommandHelp("/test-oracle", "ask the oracle", CommandGroup.TESTING),))
    lines = section.splitlines()
    assert lines[lines.index("#### Testing & Validation") + 1] == NO_RETEST_LINE
    assert "* `/test-oracle` - ask the oracle" in lines


@pytest.mark.parametrize(
    ("file_content", "configured", "expected"),
    [
        (None, "configured", "configured"),
        (b"from file", "configured", "from file"),
        (b"", "configured", ""),
        (b"x" * 10241, "configured", "configured"),
        (b"x" * 10240, "configured", "x" * 10240),
        (b"\xff\xfe", "configured", "configured"),
    ],
    ids=["no-file", "file-wins", "empty-file-suppresses", "too-large", "at-limit", "not-utf8"],
)
def test_choose_extra_info(file_content: bytes | None, configured: str, expected: str) -> None:
    assert choose_extra_info(file_content, configured) == expected


def test_tracking_issue_texts() -> None:
    assert tracking_issue_title("Fix the thing", 42) == "Fix the thing - 42"
    assert tracking_issue_body(42) == "[Auto generated]\nNumber: [#42]"
    merged = tracking_issue_closing_comment(42, "Fix the thing", merged=True)
    closed = tracking_issue_closing_comment(42, "Fix the thing", merged=False)
    assert "#42" in merged
    assert "Fix the thing" in merged
    assert "merged" in merged
    assert "closed without merging" in closed
