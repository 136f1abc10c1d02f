"""`mergeable` with its bounded re-check, and the merge-state labels `has-conflicts`/`needs-rebase`
(`pr-workflow.md` §4.1)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING
from urllib.parse import quote

from github import GithubException

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.snapshot import PullSnapshot, fetch_pull, snapshot_of
from webhook_server.libs.rules.merge_state import CompareResult, decide_merge_state, merge_state_label_diff

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

MERGEABLE_POLL_INTERVAL_SECONDS = 5.0
MERGEABLE_POLL_LIMIT_SECONDS = 30.0


async def settled_mergeable(webhook: GithubWebhook, pull: PullSnapshot) -> bool | None:
    """`mergeable` of the PR; while GitHub still computes it (null), fetch again every 5 s for up to 30 s."""
    mergeable = pull.mergeable
    waited = 0.0
    while mergeable is None and waited < MERGEABLE_POLL_LIMIT_SECONDS:
        await asyncio.sleep(MERGEABLE_POLL_INTERVAL_SECONDS)
        waited += MERGEABLE_POLL_INTERVAL_SECONDS
        fresh = await fetch_pull(webhook, pull.number)
        mergeable = (await github_api_call(snapshot_of, fresh)).mergeable
    if mergeable is None:
        LOGGER.info("Mergeability of PR #%d is still unknown after %.0fs", pull.number, waited)
    return mergeable


async def compare_with_base(webhook: GithubWebhook, pull: PullSnapshot) -> CompareResult | None:
    """`GET /compare/<base>...<head owner>:<head ref>`; None when the compare fails."""
    head_owner = (pull.head_repo_full_name or webhook.repo_context.full_name).split("/", 1)[0]
    basehead = quote(f"{pull.base_ref}...{head_owner}:{pull.head_ref}", safe="")
    url = f"/repos/{webhook.repo_context.full_name}/compare/{basehead}?per_page=1"
    try:
        _, data = await github_api_call(webhook.github.requester.requestJsonAndCheck, "GET", url)
    except GithubException as error:
        LOGGER.warning("Compare of PR #%d with its base failed: %s", pull.number, error.status)
        return None
    return CompareResult(behind_by=int(data["behind_by"]), status=str(data["status"]))


async def update_merge_state_labels(webhook: GithubWebhook, pull: PullSnapshot, labels: LabelService) -> None:
    """Add or remove `has-conflicts` and `needs-rebase` as the §4.1 rule decides."""
    mergeable = await settled_mergeable(webhook, pull)
    compare = await compare_with_base(webhook, pull) if mergeable else None
    decision = decide_merge_state(mergeable, compare)
    await labels.apply(merge_state_label_diff(decision, await labels.current()))
