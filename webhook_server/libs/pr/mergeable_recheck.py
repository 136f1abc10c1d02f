"""Runs one deferred `mergeable` re-check (scheduled by `pr.merge_state`) as a short turn of the PR's lane.

The PR is fetched again. Closed, merged or a moved head end the re-check; a settled `mergeable` applies the
merge-state labels (`pr-workflow.md` §4.1) and, when an evaluation waited for it, requests a `can-be-merged`
evaluation (§12) once the lane turn is over; still null → again later as `RecheckSchedule` says, or give up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from webhook_server.libs.config import ServerConfig
from webhook_server.libs.context.github_webhook import (
    GithubWebhook,
    RepositoryNotFoundInConfigError,
    stand_in_webhook,
)
from webhook_server.libs.pipeline.deferred import Again, DeferredHandler, DeferredResult, Finished
from webhook_server.libs.pipeline.ledger import Job, JobState
from webhook_server.libs.pipeline.services import ServerServices
from webhook_server.libs.pr import merge_state
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_check import evaluate_can_be_merged
from webhook_server.libs.pr.snapshot import pull_snapshot
from webhook_server.libs.rules.merge_state import next_recheck_delay
from webhook_server.utils.context import bind_context

LOGGER = logging.getLogger(__name__)

SETTLED = "settled"
STILL_UNKNOWN = "mergeable_unknown"


def recheck_handler(config: Callable[[], ServerConfig], services: ServerServices) -> DeferredHandler:
    """The deferred-work handler of `mergeable-recheck` items (registered by the runtime)."""

    async def run(job: Job) -> DeferredResult:
        assert job.pr_number is not None  # re-checks are scheduled for a PR
        work_id = f"{merge_state.RECHECK_KIND}-{job.job_id}"
        webhook = stand_in_webhook(config(), services, job.repository, job.pr_number, work_id)
        lane = webhook.delivery.ordering_key
        with bind_context(webhook.ctx):
            result = await services.dispatcher.run_in_lane(lane, lambda: recheck(webhook, job))
            if isinstance(result, Finished) and result.outcome == SETTLED and job.spec.get(merge_state.EVALUATE):

                async def evaluate() -> None:
                    await evaluate_can_be_merged(webhook)

                await services.evaluations.request(lane, work_id, evaluate)
        return result

    return run


async def recheck(webhook: GithubWebhook, job: Job) -> DeferredResult:
    """One look at the PR inside its lane (see the module docstring)."""
    assert job.pr_number is not None  # re-checks are scheduled for a PR
    try:
        await webhook.resolve_pull(job.pr_number)
    except RepositoryNotFoundInConfigError:
        return Finished(JobState.FAILED, "failed", "repository not in the configuration")
    pull = await pull_snapshot(webhook)
    if not pull.is_open:
        return Finished(JobState.CANCELLED, "cancelled", "pull request merged" if pull.merged else "closed")
    if pull.head_sha != job.head_sha:
        return Finished(JobState.CANCELLED, "cancelled", f"head moved to {pull.head_sha[:7]}")
    if pull.mergeable is None:
        waited = (datetime.now(UTC) - job.created_at).total_seconds()
        delay = next_recheck_delay(merge_state.RECHECK_SCHEDULE, waited)
        if delay is None:
            LOGGER.info(
                "Mergeability of PR #%d still unknown after %.0f s; labels left as they are", pull.number, waited
            )
            return Finished(JobState.SUCCEEDED, STILL_UNKNOWN)
        return Again(delay, job.spec)
    async with webhook.ctx.step("merge_state_labels", mergeable=pull.mergeable):
        await merge_state.apply_merge_state_labels(webhook, pull, LabelService.of(webhook))
    return Finished(JobState.SUCCEEDED, SETTLED)
