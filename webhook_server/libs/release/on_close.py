"""The release side of a closed PR (`pr-workflow.md` §1): the `pr-<N>` image tag is deleted; after a merge,
the cherry-picks run and the merged code is built and pushed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.release.cherry_pick import cherry_pick_after_merge
from webhook_server.libs.release.cherry_pick_requests import recorded_targets
from webhook_server.libs.release.container_jobs import schedule_merged_build
from webhook_server.libs.release.container_tags import delete_pr_image_tag

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook


async def release_after_close(webhook: GithubWebhook, pull: PullSnapshot) -> None:
    """Queue the jobs of a closed PR: tag deletion; after a merge, cherry-picks and the merge build."""
    await delete_pr_image_tag(webhook, pull)
    if pull.merged:
        targets = await recorded_targets(webhook.services.ledger, webhook.repo_context.full_name, pull.number)
        await cherry_pick_after_merge(webhook, pull, targets)
        await schedule_merged_build(webhook, pull)
