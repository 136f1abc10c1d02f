"""The test-oracle client (`oracle-and-ai.md` §1): triggers, and the job that calls `GET <server-url>/health`
(5 s) then `POST <server-url>/analyze` (300 s). A job of the job manager (counted against `max-concurrent-jobs`)
that the delivery waits for after its lane phase; its errors are logged, never raised.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from github import GithubException

from webhook_server.libs.config import ServerConfig, TestOracleConfig, repository_config
from webhook_server.libs.github.auth import choose_token
from webhook_server.libs.pipeline.jobs import JobHandlers, JobManager, JobOutcome, JobRequest
from webhook_server.libs.pipeline.ledger import Job, JobState, Ledger
from webhook_server.libs.pr.check_service import CHECKS_EXTENSION
from webhook_server.libs.pr.comments import post_comment
from webhook_server.libs.pr.snapshot import pull_snapshot

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

APPROVED_TRIGGER = "approved"
PR_OPENED_TRIGGER = "pr-opened"
PR_SYNCHRONIZED_TRIGGER = "pr-synchronized"
COMMAND_TRIGGER = "command"  # `/test-oracle`: runs whatever `triggers` says
ORACLE_JOB_KIND = "test-oracle"
HEALTH_TIMEOUT_SECONDS = 5.0
ANALYZE_TIMEOUT_SECONDS = 300.0
INTERRUPTED_ERROR = "interrupted by restart"


@dataclass(frozen=True)
class OracleCall:
    """One analysis request: the base URL and the JSON body of `POST /analyze`."""

    server_url: str
    body: dict[str, Any]

    def url(self, path: str) -> str:
        return f"{self.server_url.rstrip('/')}/{path}"


@dataclass(frozen=True)
class OracleResult:
    """How a call ended: `health_failed` (with the HTTP status when there was one), `analyzed` or `failed`."""

    outcome: str
    health_status: int | None = None
    summary: str | None = None
    error: str | None = None

    @property
    def health_failed(self) -> bool:
        return self.outcome == "health_failed"


def analyze_body(config: TestOracleConfig, pr_url: str, github_token: str) -> dict[str, Any]:
    """The `POST /analyze` body; `test_patterns` only when configured."""
    body: dict[str, Any] = {
        "pr_url": pr_url,
        "ai_provider": config.ai_provider,
        "ai_model": config.ai_model,
        "github_token": github_token,
    }
    if config.test_patterns is not None:
        body["test_patterns"] = list(config.test_patterns)
    return body


def health_failure_comment(status: int | None) -> str:
    """The PR comment posted when the health check fails."""
    status_text = f" (status {status})" if status is not None else ""
    return f"Test Oracle server is not responding{status_text}, skipping test analysis"


async def _health(client: httpx.AsyncClient, call: OracleCall) -> OracleResult | None:
    """None when healthy, else the `health_failed` result."""
    try:
        response = await client.get(call.url("health"), timeout=HEALTH_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        LOGGER.warning("Test oracle health check failed: %s: %s", type(error).__name__, error)
        return OracleResult("health_failed", error=str(error) or type(error).__name__)
    if not response.is_success:
        LOGGER.warning("Test oracle health check answered %d", response.status_code)
        return OracleResult("health_failed", health_status=response.status_code, error=f"HTTP {response.status_code}")
    return None


async def call_oracle(call: OracleCall) -> OracleResult:
    """Health check, then analysis; logs as the contract says and returns how it ended."""
    async with httpx.AsyncClient() as client:
        unhealthy = await _health(client, call)
        if unhealthy is not None:
            return unhealthy
        try:
            response = await client.post(call.url("analyze"), json=call.body, timeout=ANALYZE_TIMEOUT_SECONDS)
        except httpx.HTTPError as error:
            LOGGER.error("Test oracle analyze request failed: %s: %s", type(error).__name__, error)
            return OracleResult("failed", error=str(error) or type(error).__name__)
    if response.is_error:
        LOGGER.error("Test oracle analyze answered %d: %s", response.status_code, response.text)
        return OracleResult("failed", error=f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        LOGGER.error("Test oracle analyze answered invalid JSON: %s", response.text)
        return OracleResult("failed", error="invalid JSON")
    summary = data.get("summary") if isinstance(data, dict) else None
    LOGGER.info("Test oracle analysis: %s", summary or "no summary")
    return OracleResult("analyzed", summary=summary)


async def trigger_test_oracle(webhook: GithubWebhook, trigger: str) -> None:
    """Fire `trigger` (`pr-opened`, `pr-synchronized`, `approved`): a job when configured and listed."""
    config = webhook.repo_config.test_oracle
    if config is None:
        return
    if trigger not in config.triggers:
        LOGGER.debug("Test oracle trigger %s is not in the configured triggers %s", trigger, sorted(config.triggers))
        return
    await _schedule(webhook, config, trigger)


async def request_test_oracle(webhook: GithubWebhook) -> None:
    """`/test-oracle`: a job regardless of `triggers` (the command checked that test-oracle is configured)."""
    config = webhook.repo_config.test_oracle
    assert config is not None, "/test-oracle runs only when test-oracle is configured"
    await _schedule(webhook, config, COMMAND_TRIGGER)


def _job_manager(webhook: GithubWebhook) -> JobManager:
    """The server's job manager (owned by the check service), so oracle calls count against `max-concurrent-jobs`."""
    jobs: JobManager = webhook.services.extensions[CHECKS_EXTENSION].jobs
    return jobs


async def _schedule(webhook: GithubWebhook, config: TestOracleConfig, trigger: str) -> None:
    """Submit the job now; the delivery waits for it after its lane phase (it is not fire-and-forget)."""
    pull = await pull_snapshot(webhook)
    token = choose_token(webhook.repo_context.pooled.pool).token
    call = OracleCall(config.server_url, analyze_body(config, pull.html_url, token))
    request = JobRequest(
        kind=ORACLE_JOB_KIND,
        repository=webhook.repo_context.full_name,
        pr_number=pull.number,
        head_sha=pull.head_sha,
        name=ORACLE_JOB_KIND,
        spec={"trigger": trigger},
        delivery_id=webhook.delivery.delivery_id,
    )

    async def run(job: Job) -> JobOutcome:
        result = await _run_oracle(webhook, call, trigger)
        state = JobState.SUCCEEDED if result.outcome == "analyzed" else JobState.FAILED
        return JobOutcome(state, result.outcome, result.error)

    async def cancelled(job: Job, summary: str) -> None:
        LOGGER.info("Test oracle job %d cancelled: %s", job.job_id, summary)

    jobs = _job_manager(webhook)
    job_id = await jobs.submit(request, JobHandlers(run=run, cancelled=cancelled))
    LOGGER.info("Test oracle job %d queued (trigger %s)", job_id, trigger)

    async def wait() -> None:
        await jobs.wait([job_id])

    webhook.after_lane(wait)


async def _comment_health_failure(webhook: GithubWebhook, status: int | None) -> None:
    try:
        await post_comment(webhook, health_failure_comment(status))
    except GithubException as error:
        LOGGER.error("Could not comment on the test oracle health failure: %s %s", error.status, error.data)


async def _run_oracle(webhook: GithubWebhook, call: OracleCall, trigger: str) -> OracleResult:
    async with webhook.ctx.step("test_oracle", trigger=trigger) as step:
        result = await call_oracle(call)
        step.data["outcome"] = result.outcome
        if result.health_failed:
            await _comment_health_failure(webhook, result.health_status)
    return result


def _is_local_host(host: str) -> bool:
    if host.casefold() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def insecure_oracle_urls(config: ServerConfig) -> tuple[str, ...]:
    """Configured `server-url`s that would send the token over plain `http://` to a non-local host."""
    urls = []
    for entry in config.repositories():
        oracle = repository_config(config, entry).test_oracle
        if oracle is None:
            continue
        parts = urlsplit(oracle.server_url)
        if parts.scheme == "http" and not _is_local_host(parts.hostname or ""):
            urls.append(oracle.server_url)
    return tuple(dict.fromkeys(urls))


def warn_insecure_oracle_urls(config: ServerConfig) -> None:
    """At startup and on reload: a WARNING for each plain-`http://` oracle URL outside loopback/private hosts."""
    for url in insecure_oracle_urls(config):
        LOGGER.warning("test-oracle server-url %s sends the GitHub token over plain http:// to a non-local host", url)


async def abandon_interrupted_oracle_job(ledger: Ledger, job: Job) -> None:
    """Oracle jobs are never resumed after a restart (no double analyses): mark one `failed`."""
    await ledger.mark_job_finished(job.job_id, JobState.FAILED, "failed", INTERRUPTED_ERROR)
