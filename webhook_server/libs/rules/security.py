"""Verdicts of the inline security checks `security-suspicious-paths` and `security-committer-identity`."""

from collections.abc import Iterable, Sequence

from webhook_server.libs.rules.checks import CheckConclusion, CheckOutput, CheckResult
from webhook_server.libs.rules.logins import login_key, same_login

DEFAULT_SUSPICIOUS_PATHS: tuple[str, ...] = (
    ".claude/",
    ".vscode/",
    ".cursor/",
    ".devcontainer/",
    ".pi/",
    ".github/workflows/",
    ".github/actions/",
)
WEB_FLOW_LOGIN = "web-flow"
WEB_FLOW_USER_ID = 19864447
SECURITY_ERROR_RESULT = CheckResult(
    CheckConclusion.FAILURE, CheckOutput(title="Security check error", summary="Unexpected error during check")
)


def suspicious_files(changed_files: Iterable[str], prefixes: Sequence[str]) -> tuple[str, ...]:
    """Changed files whose path starts with one of the configured prefixes, in input order."""
    return tuple(path for path in changed_files if prefixes and path.startswith(tuple(prefixes)))


def _bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- `{item}`" for item in items)


def suspicious_paths_result(changed_files: Iterable[str], prefixes: Sequence[str]) -> CheckResult:
    """`security-suspicious-paths` (`checks.md` §4.2)."""
    matched = suspicious_files(changed_files, prefixes)
    monitored = f"Monitored path prefixes:\n{_bullets(prefixes)}"
    if not matched:
        return CheckResult(
            CheckConclusion.SUCCESS,
            CheckOutput(
                title="Security: Suspicious Paths",
                summary="No changed file is under a monitored path",
                text=monitored,
            ),
        )
    return CheckResult(
        CheckConclusion.FAILURE,
        CheckOutput(
            title="❌ Security: Suspicious Paths Detected",
            summary=f"{len(matched)} changed file(s) under monitored paths need a maintainer's review",
            text=f"Matched files:\n{_bullets(matched)}\n\n{monitored}",
        ),
    )


def trusted_committers(configured: Iterable[str], bot_login: str | None, api_users: Iterable[str]) -> frozenset[str]:
    """`security-checks.trusted-committers` ∪ the bot login ∪ `web-flow` ∪ the API users, as login keys."""
    logins = [*configured, *api_users, WEB_FLOW_LOGIN]
    if bot_login:
        logins.append(bot_login)
    return frozenset(login_key(login) for login in logins)


def committer_identity_result(
    committer_login: str | None, committer_id: int | None, pr_author: str, trusted: frozenset[str]
) -> CheckResult:
    """`security-committer-identity` (`checks.md` §4.3): the first matching row of the table decides."""
    if committer_login is None:
        return _identity_failure(
            "❌ Security: Committer Identity Unknown",
            "GitHub links no account to the head commit's committer",
            "The committer e-mail of the head commit is not linked to a GitHub account.",
        )
    details = f"Head commit committer: `{committer_login}`\nPR author: `{pr_author}`"
    if same_login(committer_login, pr_author):
        return _identity_success("The head commit was committed by the PR author", details)
    if same_login(committer_login, WEB_FLOW_LOGIN) and committer_id != WEB_FLOW_USER_ID:
        return _identity_failure(
            "❌ Security: Committer Identity Suspicious",
            f"The committer claims to be `{WEB_FLOW_LOGIN}` but its user id is {committer_id}",
            details,
        )
    if login_key(committer_login) in trusted:
        return _identity_success("The head commit was committed by a trusted committer", details)
    return _identity_failure(
        "❌ Security: Committer Identity Mismatch", "The head commit's committer is not the PR author", details
    )


def _identity_success(summary: str, text: str) -> CheckResult:
    return CheckResult(
        CheckConclusion.SUCCESS, CheckOutput(title="Security: Committer Identity", summary=summary, text=text)
    )


def _identity_failure(title: str, summary: str, text: str) -> CheckResult:
    return CheckResult(CheckConclusion.FAILURE, CheckOutput(title=title, summary=summary, text=text))


def override_result(maintainer: str) -> CheckResult:
    """What `/security-override` writes on each enabled security check (`commands.md` §5.4)."""
    return CheckResult(
        CheckConclusion.SUCCESS,
        CheckOutput(
            title=f"Overridden by maintainer @{maintainer}",
            summary="Security check overridden by maintainer",
            text="A maintainer overrode this check for the current head commit. "
            "Comment `/security-override cancel` to run the security checks again.",
        ),
    )
