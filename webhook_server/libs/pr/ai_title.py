"""AI assistance for a failing `conventional-title` check (`checks.md` §4.1, `oracle-and-ai.md` §3.2).

When the title is invalid and `ai-features.conventional-title.enabled` is true, the check stays `in_progress`
and a job (counted against `max-concurrent-jobs`) asks the AI CLI for a title in a worktree of the PR head.
`suggest` adds the suggestion to the failed output; `fix` edits the PR title when the suggestion is valid and
new. Any AI failure completes the check with the plain validation output. The delivery waits for the job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from github import GithubException

from webhook_server.libs.config.model import AiConventionalTitle, AiFeatures, RepositoryConfig
from webhook_server.libs.git.process import GitError
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pipeline.jobs import JobHandlers, JobManager, JobOutcome, JobRequest
from webhook_server.libs.pipeline.ledger import Job, JobState, Ledger
from webhook_server.libs.pr.check_runs import complete_check_run
from webhook_server.libs.pr.check_service import CHECKS_EXTENSION
from webhook_server.libs.pr.git_access import fetch_base, fetch_commits, fetch_pull_head, mirror_of
from webhook_server.libs.pr.snapshot import PullSnapshot, fetch_pull
from webhook_server.libs.process.ai_cli import AiAnswer, AiRequest, run_ai_cli
from webhook_server.libs.rules.ai_title import (
    SUGGEST_MODE,
    fix_applied_result,
    fix_not_applied_result,
    fix_skip_reason,
    parse_suggested_title,
    suggested_title_result,
    title_prompt,
)
from webhook_server.libs.rules.checks import CONVENTIONAL_TITLE, CheckConclusion, CheckOutput, CheckResult
from webhook_server.libs.rules.conventional_title import VALID_TITLE

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

AI_TITLE_JOB_KIND = "ai-conventional-title"
INTERRUPTED_ERROR = "interrupted by restart"


@dataclass(frozen=True)
class TitleAssistance:
    """What one AI title job works on: the PR state, the failed result, the types and the AI settings."""

    pull: PullSnapshot
    failed: CheckResult
    config_value: str
    ai: AiFeatures
    feature: AiConventionalTitle


def title_ai_settings(config: RepositoryConfig) -> tuple[AiFeatures, AiConventionalTitle] | None:
    """The AI settings when title assistance is on: `conventional-title` set and the feature enabled."""
    ai = config.ai_features
    if not config.conventional_title or ai is None or ai.conventional_title is None:
        return None
    return (ai, ai.conventional_title) if ai.conventional_title.enabled else None


async def start_title_assistance(webhook: GithubWebhook, pull: PullSnapshot, failed: CheckResult) -> bool:
    """Queue the AI job for an invalid title; False when AI assistance is off (the caller completes the check)."""
    settings = title_ai_settings(webhook.repo_config)
    if settings is None:
        return False
    config_value = webhook.repo_config.conventional_title
    assert config_value is not None  # checked by title_ai_settings
    work = TitleAssistance(pull, failed, config_value, *settings)
    jobs: JobManager = webhook.services.extensions[CHECKS_EXTENSION].jobs
    request = JobRequest(
        kind=AI_TITLE_JOB_KIND,
        repository=webhook.repo_context.full_name,
        pr_number=pull.number,
        head_sha=pull.head_sha,
        name=CONVENTIONAL_TITLE,
        spec={"title": pull.title, "mode": work.feature.mode},
        delivery_id=webhook.delivery.delivery_id,
    )
    job_id = await jobs.submit(request, _handlers(webhook, work))
    LOGGER.info("AI title job %d queued for PR #%d (%s mode)", job_id, pull.number, work.feature.mode)

    async def wait() -> None:
        await jobs.wait([job_id])

    webhook.after_lane(wait)
    return True


def _handlers(webhook: GithubWebhook, work: TitleAssistance) -> JobHandlers:
    async def run(job: Job) -> JobOutcome:
        async with webhook.ctx.step("ai_conventional_title", mode=work.feature.mode) as step:
            result = await _assist_contained(webhook, work)
            if result is None:
                step.data["skipped"] = "title changed"
                return JobOutcome(JobState.SUCCEEDED, "skipped")
            step.data["conclusion"] = result.conclusion.value
            written = await complete_check_run(webhook, CONVENTIONAL_TITLE, work.pull.head_sha, result)
        state = JobState.SUCCEEDED if written else JobState.FAILED
        return JobOutcome(state, result.conclusion.value, None if written else "check run not written")

    async def cancelled(job: Job, summary: str) -> None:
        result = CheckResult(CheckConclusion.CANCELLED, CheckOutput(title=VALID_TITLE, summary=summary))
        await complete_check_run(webhook, CONVENTIONAL_TITLE, work.pull.head_sha, result)

    return JobHandlers(run=run, cancelled=cancelled)


async def _assist_contained(webhook: GithubWebhook, work: TitleAssistance) -> CheckResult | None:
    """The job's check result, or None when the title changed meanwhile (a newer check run owns the result).

    An unexpected error is logged and gives the plain validation output, so the run never stays in progress.
    """
    try:
        result = await _assist(webhook, work)
        if not result.passed and await _title_changed(webhook, work):
            LOGGER.info("PR #%d title changed while the AI ran; its result is not written", work.pull.number)
            return None
    except Exception:
        LOGGER.exception("AI title assistance failed unexpectedly for PR #%d", work.pull.number)
        return work.failed
    return result


async def _assist(webhook: GithubWebhook, work: TitleAssistance) -> CheckResult:
    answer = await _ask(webhook, work)
    if answer.text is None:
        return work.failed
    suggestion = parse_suggested_title(answer.text, work.config_value)
    LOGGER.info("AI suggested the title %r for PR #%d", suggestion, work.pull.number)
    if work.feature.mode == SUGGEST_MODE:
        return suggested_title_result(work.failed, suggestion, work.config_value)
    reason = fix_skip_reason(work.pull.title, suggestion, work.config_value)
    if reason is not None:
        return fix_not_applied_result(work.failed, suggestion, reason)
    try:
        pull_request = await fetch_pull(webhook, work.pull.number)
        await github_api_call(pull_request.edit, title=suggestion)
    except GithubException as error:
        LOGGER.error("Could not edit the title of PR #%d: %s %s", work.pull.number, error.status, error.data)
        return fix_not_applied_result(work.failed, suggestion, f"editing the title failed (HTTP {error.status})")
    return fix_applied_result(work.pull.title, suggestion)


async def _ask(webhook: GithubWebhook, work: TitleAssistance) -> AiAnswer:
    """Run the AI CLI in a worktree of the PR head (base branch as a local ref); a git failure is no answer."""
    pull = work.pull
    try:
        await fetch_base(webhook, pull.base_ref)
        await fetch_pull_head(webhook, pull.number)
        await fetch_commits(webhook, [pull.head_sha])
        async with mirror_of(webhook).worktree(pull.head_sha) as worktree:
            request = AiRequest(
                provider=work.ai.ai_provider,
                model=work.ai.ai_model,
                worktree=worktree,
                prompt=title_prompt(pull.title, work.config_value, pull.base_ref),
                timeout_minutes=work.feature.timeout_minutes,
            )
            return await run_ai_cli(
                request, data_dir=webhook.config.data_dir, passthrough=webhook.repo_config.check_environment_passthrough
            )
    except GitError as error:
        LOGGER.error("Could not prepare the worktree for AI title assistance: %s\n%s", error, error.output)
        return AiAnswer(error=str(error))


async def _title_changed(webhook: GithubWebhook, work: TitleAssistance) -> bool:
    fresh = await fetch_pull(webhook, work.pull.number)
    title: str = await github_api_call(lambda: fresh.title)
    return title != work.pull.title


async def abandon_interrupted_title_job(ledger: Ledger, job: Job) -> None:
    """At startup: an AI title job of a previous process is not resumed (startup recovery runs the
    `conventional-title` check again, which starts a new job if the title is still invalid); mark it `failed`."""
    await ledger.mark_job_finished(job.job_id, JobState.FAILED, "failed", INTERRUPTED_ERROR)
