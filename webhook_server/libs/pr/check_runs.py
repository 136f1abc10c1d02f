"""The PR workflow's check-run writes (`can-be-merged`, `verified`, inline checks) through the shared
`CheckRuns` writer: one run per (repository, head SHA, name), updated in place (`checks.md` §2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webhook_server.libs.checks.check_runs import CheckRuns
from webhook_server.libs.pr.check_service import check_service
from webhook_server.libs.rules.checks import CheckConclusion, CheckOutput, CheckResult, CheckStatus

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook


def _writer(webhook: GithubWebhook) -> CheckRuns:
    service = check_service(webhook)
    return service.check_runs if service is not None else CheckRuns(webhook.services.ledger)


def own_completion_time(webhook: GithubWebhook, check_run: dict[str, Any]) -> float | None:
    """When this process wrote the run a `check_run` event reports, if it is one of our App's (None when it is
    not, or this process did not write it): an evaluation that started later already saw it."""
    app = webhook.repo_context.app
    if app is None or (check_run.get("app") or {}).get("id") != app.app_id:
        return None
    return _writer(webhook).written_at(webhook.repo_context.full_name, str(check_run["head_sha"]), check_run["name"])


def _placeholder(name: str, status: CheckStatus) -> CheckOutput:
    return CheckOutput(title=name, summary=status.value.replace("_", " ").capitalize())


async def write_check_run(
    webhook: GithubWebhook, name: str, head_sha: str, status: CheckStatus, result: CheckResult | None = None
) -> bool:
    """Move the check `name` on `head_sha` to `queued`/`in_progress`, or complete it with `result`.

    Returns whether GitHub accepted the write (a failure is logged at ERROR by the writer).
    """
    writer = _writer(webhook)
    repo = webhook.repo_context
    if result is not None:
        return await writer.complete(repo, head_sha, name, result)
    if status is CheckStatus.IN_PROGRESS:
        return await writer.start(repo, head_sha, name, _placeholder(name, status))
    return await writer.queue(repo, head_sha, name, _placeholder(name, status))


def forget_last_write(webhook: GithubWebhook, name: str, head_sha: str) -> None:
    """The run `name` on `head_sha` was seen to differ from what this process wrote: write it again next time."""
    _writer(webhook).forget_written(webhook.repo_context.full_name, head_sha, name)


async def complete_check_run(webhook: GithubWebhook, name: str, head_sha: str, result: CheckResult) -> bool:
    """Complete the check `name` on `head_sha` with `result`; returns whether the write succeeded."""
    return await write_check_run(webhook, name, head_sha, CheckStatus.COMPLETED, result)


def success_result(title: str, summary: str, text: str = "") -> CheckResult:
    """A `success` result with the given output."""
    return CheckResult(CheckConclusion.SUCCESS, CheckOutput(title=title, summary=summary, text=text))


def failure_result(title: str, summary: str, text: str = "") -> CheckResult:
    """A `failure` result with the given output."""
    return CheckResult(CheckConclusion.FAILURE, CheckOutput(title=title, summary=summary, text=text))
