"""The PR workflow's check-run writes (`can-be-merged`, `verified`, inline checks), through the App.

One run per (repository, head SHA, name), updated in place (`checks.md` §2); the run id is kept in the
ledger's `check_runs` table and adopted from GitHub's list when the ledger lost it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from github import Github, GithubException

from webhook_server.libs.rules.checks import CheckConclusion, CheckOutput, CheckResult, CheckStatus
from webhook_server.utils.github_retry import github_api_call

if TYPE_CHECKING:
    from webhook_server.libs.github_api import GithubWebhook

LOGGER = logging.getLogger(__name__)


def _body(name: str, head_sha: str, status: CheckStatus, result: CheckResult | None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "head_sha": head_sha, "status": status.value}
    output = result.output if result is not None else CheckOutput(title=name, summary=status.value.replace("_", " "))
    body["output"] = {"title": output.title, "summary": output.summary, "text": output.text}
    if result is not None:
        body["status"] = CheckStatus.COMPLETED.value
        body["conclusion"] = result.conclusion.value
    return body


async def _request(client: Github, verb: str, url: str, body: Any = None) -> Any:
    _, data = await github_api_call(client.requester.requestJsonAndCheck, verb, url, input=body)
    return data


async def _adopt(client: Github, full_name: str, head_sha: str, name: str, app_id: int) -> int | None:
    url = f"/repos/{full_name}/commits/{head_sha}/check-runs?check_name={name}&filter=all&per_page=100"
    data = await _request(client, "GET", url)
    ours = [run["id"] for run in data["check_runs"] if (run.get("app") or {}).get("id") == app_id]
    return max(ours) if ours else None


async def write_check_run(
    webhook: GithubWebhook, name: str, head_sha: str, status: CheckStatus, result: CheckResult | None = None
) -> int:
    """Move the check `name` on `head_sha` to `status` (or complete it with `result`); returns the run id."""
    app = webhook.repo_context.app
    assert app is not None, "check runs are written through the GitHub App"
    full_name = webhook.repo_context.full_name
    client = await app.client_for(full_name)
    ledger = webhook.services.ledger
    body = _body(name, head_sha, status, result)
    run_id = await ledger.check_run_get(full_name, head_sha, name)
    if run_id is None:
        run_id = await _adopt(client, full_name, head_sha, name, app.app_id)
    if run_id is not None:
        try:
            await _request(client, "PATCH", f"/repos/{full_name}/check-runs/{run_id}", body)
        except GithubException as error:
            LOGGER.debug("Could not update check run %s (%s); creating a new one", run_id, error.status)
            run_id = None
    if run_id is None:
        run_id = int((await _request(client, "POST", f"/repos/{full_name}/check-runs", body))["id"])
    await ledger.check_run_put(full_name, head_sha, name, run_id)
    return run_id


async def complete_check_run(webhook: GithubWebhook, name: str, head_sha: str, result: CheckResult) -> int:
    """Complete the check `name` on `head_sha` with `result`."""
    return await write_check_run(webhook, name, head_sha, CheckStatus.COMPLETED, result)


def success_result(title: str, summary: str, text: str = "") -> CheckResult:
    """A `success` result with the given output."""
    return CheckResult(CheckConclusion.SUCCESS, CheckOutput(title=title, summary=summary, text=text))


def failure_result(title: str, summary: str, text: str = "") -> CheckResult:
    """A `failure` result with the given output."""
    return CheckResult(CheckConclusion.FAILURE, CheckOutput(title=title, summary=summary, text=text))
