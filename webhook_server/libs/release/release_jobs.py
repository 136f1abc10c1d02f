"""Submitting a release job (rebase, container build, tag cleanup, tag publishing) to the job manager.

The work runs under the configured job timeout (`check-timeout-minutes`); a job that is already queued or
running for the same key is not submitted again. The delivery waits for the job after its lane phase.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from webhook_server.libs.pipeline.jobs import JobHandlers, JobOutcome, JobRequest
from webhook_server.libs.pipeline.ledger import Job, JobState
from webhook_server.libs.release.service import ReleaseService

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

Work = Callable[[], Awaitable[bool]]


def release_request(
    webhook: GithubWebhook, kind: str, name: str, *, number: int | None, sha: str | None, spec: dict[str, Any]
) -> JobRequest:
    """A job request of the delivery's repository."""
    return JobRequest(
        kind=kind,
        repository=webhook.repo_context.full_name,
        pr_number=number,
        head_sha=sha,
        name=name,
        spec=spec,
        delivery_id=webhook.delivery.delivery_id,
    )


def timed_handlers(service: ReleaseService, timeout_minutes: int, work: Work) -> JobHandlers:
    """Handlers that run `work` (True: succeeded) under the timeout; a cancellation is only logged."""

    async def run(job: Job) -> JobOutcome:
        try:
            async with asyncio.timeout(service.timeout_seconds(timeout_minutes)):
                succeeded = await work()
        except TimeoutError:
            LOGGER.error("%s job %d timed out after %d minutes", job.kind, job.job_id, timeout_minutes)
            return JobOutcome(JobState.FAILED, "timed_out", f"Timed out after {timeout_minutes} minutes")
        if succeeded:
            return JobOutcome(JobState.SUCCEEDED, "succeeded")
        return JobOutcome(JobState.FAILED, "failed", "see the job's comments and logs")

    async def cancelled(job: Job, summary: str) -> None:
        LOGGER.info("%s job %d cancelled: %s", job.kind, job.job_id, summary)

    return JobHandlers(run=run, cancelled=cancelled)


async def submit_release_job(
    webhook: GithubWebhook, service: ReleaseService, request: JobRequest, handlers: JobHandlers
) -> int | None:
    """Queue the job unless one with its key is active; the delivery waits for it. Returns the job id."""
    if service.is_active(request):
        LOGGER.info("A %s job %s is already queued or running", request.kind, request.name)
        return None
    job_id = await service.jobs.submit(request, handlers)
    LOGGER.info("Queued %s job %d (%s)", request.kind, job_id, request.name)

    async def wait() -> None:
        await service.jobs.wait([job_id])

    webhook.after_lane(wait)
    return job_id
