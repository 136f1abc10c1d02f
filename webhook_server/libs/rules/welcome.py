"""Welcome comment text (`pr-workflow.md` §9) and its command section, shared with `/help`."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from webhook_server.libs.rules.labels import (
    ALL_CATEGORIES,
    APPROVE,
    AUTOMERGE,
    HAS_CONFLICTS,
    HOLD,
    LGTM,
    VERIFIED,
    WIP,
    LabelCategory,
    is_label_enabled,
)
from webhook_server.libs.rules.security import DEFAULT_SUSPICIOUS_PATHS
from webhook_server.libs.rules.welcome_markers import WELCOME_MARKER

MAX_EXTRA_INFO_BYTES = 10240
NO_RETEST_LINE = "* No retest actions are configured for this repository"
RETEST_PREFIX = "/retest"


class CommandGroup(StrEnum):
    """Welcome/help groups, in display order."""

    PR_STATUS = "PR Status Management"
    REVIEW = "Review & Approval"
    TESTING = "Testing & Validation"
    CONTAINER = "Container Operations"
    CHERRY_PICK = "Cherry-pick Operations"
    BRANCH = "Branch Management"
    LABELS = "Label Management"


@dataclass(frozen=True)
class CommandHelp:
    """One visible help line: `* `<syntax>` - <description>`. `group` None = a line after all groups."""

    syntax: str
    description: str
    group: CommandGroup | None = None


@dataclass(frozen=True)
class AiWelcomeInfo:
    """AI features and test-oracle as configured. `oracle_triggers` None = test-oracle not configured."""

    provider_model: str | None = None
    conventional_title_mode: str | None = None
    conflict_resolution: bool = False
    oracle_triggers: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SecurityWelcomeInfo:
    """Security checks as configured."""

    suspicious_paths: tuple[str, ...] = DEFAULT_SUSPICIOUS_PATHS
    identity_check: bool = True
    mandatory: bool = True


@dataclass(frozen=True)
class WelcomeContext:
    """Everything the welcome text depends on; built by the handler from the effective config and registry."""

    commands: tuple[CommandHelp, ...]
    label_categories: frozenset[LabelCategory] = ALL_CATEGORIES
    pr_approvers: tuple[str, ...] = ()
    pr_reviewers: tuple[str, ...] = ()
    author_auto_verified: bool = False
    auto_verified_users: tuple[str, ...] = ()
    tracking_issue: bool = True
    pre_commit: bool = False
    verified_job: bool = True
    minimum_lgtm: int = 0
    container: bool = False
    ai: AiWelcomeInfo | None = None
    security: SecurityWelcomeInfo = field(default_factory=SecurityWelcomeInfo)
    extra_info: str = ""
    docs_line: str | None = None


def choose_extra_info(file_content: bytes | None, configured: str) -> str:
    """The repository's welcome-message file wins (an empty file suppresses the text) when it is valid
    UTF-8 of at most 10240 bytes; otherwise the configured `welcome-extra-info` applies."""
    if file_content is None or len(file_content) > MAX_EXTRA_INFO_BYTES:
        return configured
    try:
        return file_content.decode("utf-8")
    except UnicodeDecodeError:
        return configured


def render_command_section(commands: Sequence[CommandHelp]) -> str:
    """`### 📋 Available Commands` with its groups, in order; empty groups are left out.

    Testing & Validation always appears; without any `/retest` line it says none are configured.
    """
    lines = ["### 📋 Available Commands"]
    for group in CommandGroup:
        entries = [_help_line(entry) for entry in commands if entry.group is group]
        if group is CommandGroup.TESTING and not any(
            entry.syntax.startswith(RETEST_PREFIX) for entry in commands if entry.group is group
        ):
            entries.insert(0, NO_RETEST_LINE)
        if entries:
            lines.extend(["", f"#### {group.value}", *entries])
    ungrouped = [_help_line(entry) for entry in commands if entry.group is None]
    if ungrouped:
        lines.extend(["", *ungrouped])
    return "\n".join(lines)


def _help_line(entry: CommandHelp) -> str:
    return f"* `{entry.syntax}` - {entry.description}"


def _intro(context: WelcomeContext) -> list[str]:
    lines = [
        "## Welcome! 🎉",
        "",
        "This pull request is managed by the webhook server: labels, reviewers and checks are handled "
        "automatically, and the commands below control the rest.",
    ]
    if context.author_auto_verified:
        lines.extend(
            [
                "",
                "> **Note:** you are an auto-verified user. Your pull requests are marked `verified` "
                "automatically and may be merged automatically once every requirement is met.",
            ]
        )
    return lines


def _label_categories_text(categories: frozenset[LabelCategory]) -> str:
    if categories == ALL_CATEGORIES:
        return "all label categories are enabled"
    if not categories:
        return "no optional label categories are enabled (review labels always are)"
    names = ", ".join(f"`{category.value}`" for category in LabelCategory if category in categories)
    return f"enabled label categories: {names}"


def _automatic_actions(context: WelcomeContext) -> list[str]:
    issue_state = "enabled" if context.tracking_issue else "disabled"
    lines = [
        "### 🔄 Automatic Actions",
        "",
        "* **Reviewers**: requested from the OWNERS files that cover the changed files",
        "* **Size label**: `size/*` set from the number of changed lines",
        f"* **Tracking issue**: {issue_state}",
    ]
    if context.pre_commit:
        lines.append("* **Pre-commit**: the `pre-commit` check runs on every push")
    lines.append("* **Branch label**: `branch-<base branch>` shows the target branch")
    if context.verified_job:
        lines.append("* **Verification**: auto-verified users' pull requests are marked `verified` automatically")
    lines.append(f"* **Labels**: {_label_categories_text(context.label_categories)}")
    return lines


def _merge_requirements(context: WelcomeContext) -> list[str]:
    requirements = ["`/approve` from an approver"]
    if context.minimum_lgtm > 0:
        requirements.append(f"at least {context.minimum_lgtm} `/lgtm` from reviewers")
    requirements.append("all required checks pass")
    blockers = [label for label in (WIP, HOLD, HAS_CONFLICTS) if is_label_enabled(label, context.label_categories)]
    blocker_text = ", ".join(f"`{label}`" for label in blockers)
    requirements.append(
        f"no blocking labels ({blocker_text}) and no merge conflicts" if blockers else "no merge conflicts"
    )
    if context.verified_job:
        requirements.append("the PR is `verified`")
    numbered = [f"{index}. {text}" for index, text in enumerate(requirements, start=1)]
    return [
        "### ✅ Merge Requirements",
        "",
        *numbered,
        "",
        "When every requirement is met, the `can-be-merged` check passes and the PR can be merged.",
    ]


def _details(summary: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>"]


def _people(logins: Sequence[str]) -> str:
    return ", ".join(f"@{login}" for login in logins) if logins else "none"


def _review_process(context: WelcomeContext) -> list[str]:
    candidates = (HOLD, VERIFIED, WIP, LGTM, APPROVE, AUTOMERGE)
    labels = [label for label in candidates if is_label_enabled(label, context.label_categories)]
    return [
        "### 📊 Review Process",
        "",
        *_details(
            "Approvers and Reviewers",
            [f"**Approvers:** {_people(context.pr_approvers)}", "", f"**Reviewers:** {_people(context.pr_reviewers)}"],
        ),
        "",
        *_details("Available Labels", [", ".join(f"`{label}`" for label in labels)]),
    ]


def _ai_section(ai: AiWelcomeInfo) -> list[str]:
    body = []
    if ai.provider_model:
        body.append(f"* **AI provider**: `{ai.provider_model}`")
    if ai.conventional_title_mode:
        body.append(f"* **Conventional title**: AI assistance in `{ai.conventional_title_mode}` mode")
    if ai.conflict_resolution:
        body.append("* **Conflict resolution**: AI resolves cherry-pick conflicts (marked `ai-resolved-conflicts`)")
    if ai.oracle_triggers is not None:
        triggers = ", ".join(f"`{trigger}`" for trigger in ai.oracle_triggers) or "none"
        body.append(f"* **Test oracle**: triggered on {triggers}; `/test-oracle` can be used anytime")
    return _details("AI Features", body)


def _security_section(security: SecurityWelcomeInfo) -> list[str]:
    body = []
    if security.suspicious_paths:
        paths = ", ".join(f"`{path}`" for path in security.suspicious_paths)
        body.append(f"* **Monitored paths** (`security-suspicious-paths`): {paths}")
    if security.identity_check:
        body.append("* **Committer identity** (`security-committer-identity`): the head commit's committer is checked")
    mode = "mandatory: they must pass before merging" if security.mandatory else "advisory: they do not block merging"
    body.append(f"* These checks are {mode}")
    return _details("Security Checks", body)


def _tips(context: WelcomeContext) -> list[str]:
    tips = ["* Start the title with `WIP:` (or comment `/wip`) while the work is in progress"]
    if context.verified_job:
        tips.append("* `verified` is reset on every push, except a clean rebase")
    if LabelCategory.CHERRY_PICK in context.label_categories:
        tips.append("* `cherry-pick-<branch>` labels are processed when the PR is merged")
    if context.container:
        tips.append("* `/build-and-push-container` publishes the image with the tag `pr-<number>`")
    tips.append("* Most commands need repository access or an OWNERS entry; ask a maintainer if one is refused")
    if context.auto_verified_users:
        tips.append(f"* Auto-verified users: {_people(context.auto_verified_users)}")
    return ["### 💡 Tips", "", *tips]


def welcome_comment(context: WelcomeContext) -> str:
    """The whole welcome comment; the first line is the byte-exact marker."""
    header = [WELCOME_MARKER] + ([context.docs_line] if context.docs_line else [])
    sections: list[list[str]] = [
        header,
        _intro(context),
        _automatic_actions(context),
        [render_command_section(context.commands)],
        _merge_requirements(context),
        _review_process(context),
    ]
    if context.ai is not None:
        sections.append(_ai_section(context.ai))
    security = context.security
    if security.suspicious_paths or security.identity_check:
        sections.append(_security_section(security))
    sections.append(_tips(context))
    if context.extra_info.strip():
        sections.append(["### 📌 Additional Information", "", context.extra_info.strip()])
    sections.append(["Happy coding! 🚀"])
    return "\n\n".join("\n".join(section) for section in sections)


def tracking_issue_title(pr_title: str, pr_number: int) -> str:
    """`<PR title> - <PR number>`."""
    return f"{pr_title} - {pr_number}"


def tracking_issue_body(pr_number: int) -> str:
    """Byte-exact body: two lines, no trailing newline."""
    return f"[Auto generated]\nNumber: [#{pr_number}]"


def tracking_issue_closing_comment(pr_number: int, pr_title: str, merged: bool) -> str:
    """The comment posted on the tracking issue before it is closed."""
    outcome = "merged" if merged else "closed without merging"
    return f"Pull request #{pr_number} ({pr_title}) was {outcome}. Closing this tracking issue."
