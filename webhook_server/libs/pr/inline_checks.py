"""Inline checks run in the lane phase (`checks.md` §4): `conventional-title`, `security-suspicious-paths`
and `security-committer-identity`, each `in_progress` then completed in one go."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from webhook_server.libs.config.rule_inputs import enabled_checks
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr import owners_service
from webhook_server.libs.pr.ai_title import start_title_assistance, title_ai_settings
from webhook_server.libs.pr.check_runs import complete_check_run, write_check_run
from webhook_server.libs.pr.snapshot import PullSnapshot, pull_snapshot
from webhook_server.libs.rules.checks import (
    CONVENTIONAL_TITLE,
    SECURITY_COMMITTER_IDENTITY,
    SECURITY_SUSPICIOUS_PATHS,
    CheckResult,
    CheckStatus,
    inline_check_names,
)
from webhook_server.libs.rules.conventional_title import conventional_title_result
from webhook_server.libs.rules.security import (
    SECURITY_ERROR_RESULT,
    committer_identity_result,
    suspicious_paths_result,
    trusted_committers,
)

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)


class CheckRunWriteFailedError(RuntimeError):
    """GitHub refused a check-run write even after retries (the step is marked failed)."""


_RESULTS: weakref.WeakKeyDictionary[GithubWebhook, dict[tuple[str, str], CheckResult]] = weakref.WeakKeyDictionary()

Evaluator = Callable[["GithubWebhook", PullSnapshot], Awaitable[CheckResult]]


async def conventional_title_check(webhook: GithubWebhook, pull: PullSnapshot) -> CheckResult:
    """The title against the configured Conventional Commits types."""
    config_value = webhook.repo_config.conventional_title
    assert config_value, "conventional-title is enabled"
    return conventional_title_result(pull.title, config_value)


async def suspicious_paths_check(webhook: GithubWebhook, pull: PullSnapshot) -> CheckResult:
    """Changed files under a monitored path prefix."""
    changed = await owners_service.changed_files(webhook)
    return suspicious_paths_result(changed, webhook.repo_config.security_checks.suspicious_paths)


async def head_committer(webhook: GithubWebhook, head_sha: str) -> tuple[str | None, int | None]:
    """The GitHub login and id linked to the head commit's committer (None when GitHub links no account)."""
    url = f"/repos/{webhook.repo_context.full_name}/commits/{head_sha}"
    _, data = await github_api_call(webhook.github.requester.requestJsonAndCheck, "GET", url)
    committer = data.get("committer")
    if not committer:
        return None, None
    return committer["login"], committer.get("id")


async def committer_identity_check(webhook: GithubWebhook, pull: PullSnapshot) -> CheckResult:
    """The head commit's committer against the PR author and the trusted committers."""
    login, user_id = await head_committer(webhook, pull.head_sha)
    app = webhook.repo_context.app
    bot_login = await app.bot_login() if app is not None else None
    trusted = trusted_committers(
        webhook.repo_config.security_checks.trusted_committers, bot_login, webhook.repo_context.pooled.pool.api_users
    )
    return committer_identity_result(login, user_id, pull.author, trusted)


EVALUATORS: dict[str, Evaluator] = {
    CONVENTIONAL_TITLE: conventional_title_check,
    SECURITY_SUSPICIOUS_PATHS: suspicious_paths_check,
    SECURITY_COMMITTER_IDENTITY: committer_identity_check,
}
_ERROR_RESULTS: dict[str, CheckResult] = {
    SECURITY_SUSPICIOUS_PATHS: SECURITY_ERROR_RESULT,
    SECURITY_COMMITTER_IDENTITY: SECURITY_ERROR_RESULT,
}


def _may_stay_in_progress(webhook: GithubWebhook, name: str) -> bool:
    """Only `conventional-title` with AI assistance can end in progress (its job completes it later)."""
    return name == CONVENTIONAL_TITLE and title_ai_settings(webhook.repo_config) is not None


async def run_inline_check(webhook: GithubWebhook, name: str, pull: PullSnapshot) -> CheckResult:
    """Run one inline check on the head SHA and write its result; an error completes it with `failure`.

    The run is created with its final state in one write (the check takes milliseconds); only a check whose
    AI job may complete it later is set `in_progress` first.
    """
    if _may_stay_in_progress(webhook, name):
        await write_check_run(webhook, name, pull.head_sha, CheckStatus.IN_PROGRESS)
    try:
        result = await EVALUATORS[name](webhook, pull)
    except Exception:
        error_result = _ERROR_RESULTS.get(name)
        if error_result is None:
            raise
        LOGGER.exception("Check %s failed with an unexpected error", name)
        result = error_result
    if name == CONVENTIONAL_TITLE and not result.passed and await start_title_assistance(webhook, pull, result):
        return result  # stays in progress: the AI job completes it (`checks.md` §4.1)
    if not await complete_check_run(webhook, name, pull.head_sha, result):
        raise CheckRunWriteFailedError(f"the {name} check run could not be written")
    return result


async def run_inline_checks(webhook: GithubWebhook, names: Sequence[str] | None = None) -> dict[str, CheckResult]:
    """Run the enabled inline checks (or the enabled ones among `names`), one after another."""
    pull = await pull_snapshot(webhook)
    enabled = inline_check_names(enabled_checks(webhook.repo_config))
    selected = [name for name in enabled if names is None or name in names]
    results = {name: await run_inline_check(webhook, name, pull) for name in selected}
    _RESULTS.setdefault(webhook, {}).update({(pull.head_sha, name): result for name, result in results.items()})
    return results


def result_of_this_delivery(webhook: GithubWebhook, head_sha: str, name: str) -> CheckResult | None:
    """The result of inline check `name` on `head_sha` if this delivery ran it (no request needed)."""
    return _RESULTS.get(webhook, {}).get((head_sha, name))


async def run_security_checks(webhook: GithubWebhook) -> dict[str, CheckResult]:
    """Run the enabled security checks again (`/security-override cancel`)."""
    return await run_inline_checks(webhook, (SECURITY_SUSPICIOUS_PATHS, SECURITY_COMMITTER_IDENTITY))
