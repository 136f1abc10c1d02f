"""After a merge, the merge-state labels of the other open PRs on the same base are refreshed
(`pr-workflow.md` §4.2): 30 s later, in each PR's own lane, with bounded concurrency."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr.background import schedule_background
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_state import update_merge_state_labels
from webhook_server.libs.pr.snapshot import PullSnapshot, fetch_pull, snapshot_of

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

REFRESH_DELAY_SECONDS = 30.0
REFRESH_CONCURRENCY = 4


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


async def refresh_open_pulls(webhook: GithubWebhook, merged: PullSnapshot) -> None:
    """Queue a merge-state refresh in the lane of every other open PR on the merged PR's base."""
    numbers = [number for number in await open_pulls_on_base(webhook, merged.base_ref) if number != merged.number]
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
    LOGGER.info("Refreshed merge-state labels of %d open PRs on %s", len(numbers), merged.base_ref)


def schedule_merge_state_refresh(webhook: GithubWebhook, merged: PullSnapshot) -> None:
    """After `REFRESH_DELAY_SECONDS`, refresh the other open PRs (a delayed task that holds no lane)."""

    async def later() -> None:
        await asyncio.sleep(REFRESH_DELAY_SECONDS)
        await refresh_open_pulls(webhook, merged)

    schedule_background(webhook, later(), name=f"merge-state refresh after #{merged.number}")
