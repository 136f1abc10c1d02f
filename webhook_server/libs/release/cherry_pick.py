"""Cherry-picks as jobs (`release.md` §1): scheduling from a merge, from `/cherry-pick` on a merged PR and from
`/cherry-pick-retry`; one job per target branch, the `CherryPicked` check run of the batch, and resuming.

Entry points for the PR workflow and the commands: `cherry_pick_after_merge`, `schedule_cherry_picks`,
`close_previous_cherry_pick` and `rerun_cherry_pick` (the retry). `cherry_pick_handlers` builds the job
handlers for a resumed job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import label_categories
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.pipeline.jobs import JobHandlers, JobOutcome, JobRequest
from webhook_server.libs.pipeline.ledger import Job, JobState
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.release import cherry_pick_text as text
from webhook_server.libs.release.cherry_pick_batches import BatchKey
from webhook_server.libs.release.cherry_pick_job import CherryPickRun
from webhook_server.libs.release.cherry_pick_record import clear_record, read_record
from webhook_server.libs.release.cherry_pick_task import CHERRY_PICK_JOB_KIND, CherryPickTask
from webhook_server.libs.release.cherry_pick_text import TargetOutcome
from webhook_server.libs.release.repo_api import RepositoryApi
from webhook_server.libs.release.service import ReleaseService, release_service
from webhook_server.libs.rules.check_output import MAX_CHECK_TEXT_LENGTH, cut_middle
from webhook_server.libs.rules.checks import CHERRY_PICKED, CheckConclusion, CheckOutput, CheckResult
from webhook_server.libs.rules.labels import CHERRY_PICK_PREFIX, LabelCategory
from webhook_server.libs.rules.logins import same_login
from webhook_server.utils.masking import mask_secret_values

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)


def labelled_targets(labels: Sequence[str]) -> list[str]:
    """The target branches named by `cherry-pick-<branch>` labels."""
    return [label[len(CHERRY_PICK_PREFIX) :] for label in labels if label.startswith(CHERRY_PICK_PREFIX)]


async def _check_output_of(outcomes: Sequence[TargetOutcome]) -> CheckResult:
    conclusion = CheckConclusion.SUCCESS if all(item.succeeded for item in outcomes) else CheckConclusion.FAILURE
    body = cut_middle(mask_secret_values(text.check_text(outcomes)), MAX_CHECK_TEXT_LENGTH)
    return CheckResult(conclusion, CheckOutput(text.CHECK_TITLE, text.check_summary(outcomes), body))


class CherryPickJobs:
    """Job handlers and the batch's check run for the cherry-picks of one repository."""

    def __init__(self, service: ReleaseService, repo: RepositoryContext, config: RepositoryConfig) -> None:
        self.service = service
        self.repo = repo
        self.config = config

    def batch_key(self, task: CherryPickTask) -> BatchKey:
        return (self.repo.full_name, task.head_sha)

    async def start_batch(self, tasks: Sequence[CherryPickTask]) -> None:
        """Mark the targets pending and set the `CherryPicked` check run `in_progress`."""
        pending = self.service.batches.add(self.batch_key(tasks[0]), [task.target for task in tasks])
        output = CheckOutput(text.CHECK_TITLE, text.in_progress_summary(pending))
        await self.service.check_runs.start(self.repo, tasks[0].head_sha, CHERRY_PICKED, output)

    async def _finish(self, task: CherryPickTask, outcome: TargetOutcome) -> None:
        outcomes = self.service.batches.finish(self.batch_key(task), outcome)
        if outcomes is not None:
            result = await _check_output_of(outcomes)
            await self.service.check_runs.complete(self.repo, task.head_sha, CHERRY_PICKED, result)

    async def _run(self, task: CherryPickTask, delivery_id: str | None) -> TargetOutcome:
        run = CherryPickRun(self.service, self.repo, self.config, task, delivery_id)
        timeout = self.service.timeout_seconds(self.config.check_timeout_minutes)
        async with self.service.batches.lock(self.repo.full_name, task.number):
            try:
                async with asyncio.timeout(timeout):
                    return await run.run()
            except TimeoutError:
                LOGGER.error("Cherry-pick of #%d to %s timed out", task.number, task.target)
                return TargetOutcome(task.target, False, f"Timed out after {self.config.check_timeout_minutes} minutes")

    def handlers(self, task: CherryPickTask) -> JobHandlers:
        """What the job manager runs for `task`, and how a cancellation is reported."""

        async def run(job: Job) -> JobOutcome:
            try:
                outcome = await self._run(task, job.delivery_id)
            except Exception as error:
                await self._finish(task, TargetOutcome(task.target, False, f"Unexpected error: {error}"))
                raise
            await self._finish(task, outcome)
            if outcome.succeeded:
                return JobOutcome(JobState.SUCCEEDED, "succeeded")
            return JobOutcome(JobState.FAILED, "failed", outcome.result)

        async def cancelled(job: Job, summary: str) -> None:
            await self._finish(task, TargetOutcome(task.target, False, summary))

        return JobHandlers(run=run, cancelled=cancelled)

    def request(self, task: CherryPickTask, delivery_id: str | None) -> JobRequest:
        return JobRequest(
            kind=CHERRY_PICK_JOB_KIND,
            repository=self.repo.full_name,
            pr_number=task.number,
            head_sha=task.head_sha,
            name=task.target,
            spec=task.to_spec(),
            delivery_id=delivery_id,
        )


async def _tasks_for(webhook: GithubWebhook, pull: PullSnapshot, targets: Sequence[str]) -> list[CherryPickTask]:
    pull_request = webhook.pull_request
    assert pull_request is not None, "cherry-picks need a delivery with a resolved PR"
    merge_sha = await github_api_call(lambda: pull_request.merge_commit_sha)
    assert merge_sha, "a merged PR has a merge commit"
    return [
        CherryPickTask(
            number=pull.number,
            title=pull.title,
            author=pull.author,
            html_url=pull.html_url,
            head_ref=pull.head_ref,
            head_sha=pull.head_sha,
            source_branch=pull.base_ref,
            merge_commit_sha=merge_sha,
            target=target,
        )
        for target in sorted(dict.fromkeys(targets))
    ]


async def schedule_cherry_picks(
    webhook: GithubWebhook, pull: PullSnapshot, targets: Sequence[str], *, restart: bool = False
) -> list[int]:
    """Queue one job per target (label-name order) of a merged PR; the delivery waits for them after its lane.

    A target whose job is already queued or running is left alone, unless `restart` (a retry).
    """
    if not targets:
        return []
    service = release_service(webhook)
    jobs = CherryPickJobs(service, webhook.repo_context, webhook.repo_config)
    delivery_id = webhook.delivery.delivery_id
    tasks = [
        task
        for task in await _tasks_for(webhook, pull, targets)
        if restart or not service.is_active(jobs.request(task, delivery_id))
    ]
    if not tasks:
        LOGGER.info("Cherry-picks of #%d are already queued or running", pull.number)
        return []
    await jobs.start_batch(tasks)
    job_ids = [await service.jobs.submit(jobs.request(task, delivery_id), jobs.handlers(task)) for task in tasks]
    LOGGER.info("Queued cherry-picks of #%d to %s", pull.number, ", ".join(task.target for task in tasks))

    async def wait() -> None:
        await service.jobs.wait(job_ids)

    webhook.after_lane(wait)
    return job_ids


async def cherry_pick_after_merge(webhook: GithubWebhook, pull: PullSnapshot, recorded: Sequence[str]) -> list[int]:
    """At merge: one job per `cherry-pick-<branch>` label and per recorded request (`recorded` targets)."""
    if LabelCategory.CHERRY_PICK not in label_categories(webhook.repo_config):
        return []
    return await schedule_cherry_picks(webhook, pull, [*labelled_targets(sorted(pull.labels)), *recorded])


async def _previous_pull(webhook: GithubWebhook, api: RepositoryApi, pull: PullSnapshot, target: str) -> int | None:
    """The cherry-pick PR to replace: the recorded one, else an open one by our bot for this PR and target."""
    record = await read_record(webhook.services.ledger, api.full_name, pull.number, target)
    if record is not None and record.pr_number is not None:
        return record.pr_number
    app = webhook.repo_context.app
    bot_login = await app.bot_login() if app is not None else None
    for candidate in await api.open_pulls(target):
        if (
            candidate["title"].startswith(text.title_prefix(target))
            and bot_login is not None
            and same_login(candidate["user"]["login"], bot_login)
            and pull.html_url in (candidate.get("body") or "")
        ):
            number: int = candidate["number"]
            return number
    return None


async def close_previous_cherry_pick(webhook: GithubWebhook, pull: PullSnapshot, target: str, user: str) -> int | None:
    """`/cherry-pick-retry` step 1: close the previous cherry-pick PR if it is open; returns its number."""
    api = RepositoryApi(webhook.repo_context)
    previous = await _previous_pull(webhook, api, pull, target)
    if previous is None or (await api.pull(previous))["state"] != "open":
        return None
    await api.close_pull(previous)
    await api.comment(previous, text.retry_closed(user, pull.html_url))
    LOGGER.info("Closed cherry-pick PR #%d for a retry", previous)
    return previous


async def rerun_cherry_pick(webhook: GithubWebhook, pull: PullSnapshot, target: str) -> list[int]:
    """`/cherry-pick-retry` step 3: clear the record and run the cherry-pick to `target` again."""
    await clear_record(webhook.services.ledger, webhook.repo_context.full_name, pull.number, target)
    return await schedule_cherry_picks(webhook, pull, [target], restart=True)


def cherry_pick_handlers(
    service: ReleaseService, repo: RepositoryContext, config: RepositoryConfig, job: Job
) -> tuple[CherryPickJobs, CherryPickTask, JobHandlers]:
    """For resuming a job after a restart: its batch owner, task and handlers (`checks.md` §6.4)."""
    jobs = CherryPickJobs(service, repo, config)
    task = CherryPickTask.from_spec(job.spec)
    return jobs, task, jobs.handlers(task)
