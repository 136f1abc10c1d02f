"""After a merge, the merge-state labels of the other open PRs on the same base are refreshed
(`pr-workflow.md` §4.2): 30 s later (a deferred item in the ledger that holds no lane while it waits, so it
survives a restart), in each PR's own lane, with bounded concurrency."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from webhook_server.libs.config import ServerConfig
from webhook_server.libs.context.github_webhook import stand_in_webhook
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pipeline.deferred import DeferredHandler, DeferredResult, Finished
from webhook_server.libs.pipeline.jobs import JobRequest
from webhook_server.libs.pipeline.ledger import Job, JobState
from webhook_server.libs.pipeline.services import ServerServices
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_state import update_merge_state_labels
from webhook_server.libs.pr.snapshot import PullSnapshot, fetch_pull, snapshot_of
from webhook_server.utils.context import bind_context

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

REFRESH_KIND = "merge-state-refresh"
REFRESH_DELAY_SECONDS = 30.0
REFRESH_CONCURRENCY = 4
BASE_REF = "base_ref"


async def open_pulls_on_base(webhook: GithubWebhook, base_ref: str) -> list[int]:
    """Numbers of the open PRs whose base is `base_ref`."""
    repository = webhook.repository

    def list_numbers() -> list[int]:
        return [pull.number for pull in repository.get_pulls(state="open", base=base_ref)]

    return await github_api_call(list_numbers)


async def refresh_merge_state(webhook: GithubWebhook, number: int) -> None:
    """§4.1 with full add and remove for PR `number` (runs in that PR's lane)."""
    pull = await github_api_call(snapshot_of, await fetch_pull(webhook, number))
    if not pull.is_open:
        return
    labels = LabelService(webhook, number, pull.labels)
    await update_merge_state_labels(webhook, pull, labels)


async def refresh_open_pulls(webhook: GithubWebhook, base_ref: str, merged_number: int) -> int:
    """Refresh, in its own lane, every other open PR on `base_ref`; returns how many."""
    numbers = [number for number in await open_pulls_on_base(webhook, base_ref) if number != merged_number]
    limit = asyncio.Semaphore(REFRESH_CONCURRENCY)
    full_name = webhook.repo_context.full_name

    async def refresh(number: int) -> None:
        async with limit:
            try:
                await webhook.services.dispatcher.run_in_lane(
                    f"pr:{full_name}#{number}", lambda: refresh_merge_state(webhook, number)
                )
            except Exception:
                LOGGER.exception("Merge-state refresh of PR #%d failed", number)

    await asyncio.gather(*(refresh(number) for number in numbers))
    LOGGER.info("Refreshed merge-state labels of %d open PRs on %s", len(numbers), base_ref)
    return len(numbers)


async def schedule_merge_state_refresh(webhook: GithubWebhook, merged: PullSnapshot) -> None:
    """Refresh the other open PRs `REFRESH_DELAY_SECONDS` after the merge (a deferred item)."""
    request = JobRequest(
        kind=REFRESH_KIND,
        repository=webhook.repo_context.full_name,
        pr_number=merged.number,
        head_sha=merged.head_sha,
        name=merged.base_ref,
        spec={BASE_REF: merged.base_ref},
        delivery_id=webhook.delivery.delivery_id,
    )
    await webhook.services.deferred.schedule(request, REFRESH_DELAY_SECONDS)


def refresh_handler(config: Callable[[], ServerConfig], services: ServerServices) -> DeferredHandler:
    """The deferred-work handler of `merge-state-refresh` items (registered by the runtime)."""

    async def run(job: Job) -> DeferredResult:
        assert job.pr_number is not None  # scheduled for the merged PR
        webhook = stand_in_webhook(config(), services, job.repository, job.pr_number, f"{REFRESH_KIND}-{job.job_id}")
        with bind_context(webhook.ctx):
            await webhook.resolve_pull(job.pr_number)
            refreshed = await refresh_open_pulls(webhook, str(job.spec[BASE_REF]), job.pr_number)
        return Finished(JobState.SUCCEEDED, f"refreshed {refreshed}")

    return run
