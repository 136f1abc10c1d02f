"""A push to a PR (`pull_request` `synchronize`, `pr-workflow.md` §1.2): clean-rebase detection in the
mirror, then the full workflow in the matching mode."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from webhook_server.libs.git import content
from webhook_server.libs.git.mirror import is_full_sha
from webhook_server.libs.git.process import GitError
from webhook_server.libs.pr import git_access
from webhook_server.libs.pr.comments import post_comment
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.pr.workflow import run_concurrently, run_full_workflow
from webhook_server.libs.rules.label_changes import LabelDiff
from webhook_server.libs.rules.reviewer_state import (
    clean_rebase_comment,
    labels_kept_by_clean_rebase,
    review_labels_to_reset,
)

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)


async def detect_clean_rebase(webhook: GithubWebhook, pull: PullSnapshot, before: str, after: str) -> bool:
    """Whether the push only rebased the same changes (equal diff digests). Any error → not clean."""
    if not (is_full_sha(before) and is_full_sha(after)):
        return False
    try:
        await git_access.fetch_base_and_pull_head(webhook, pull.base_ref, pull.number)
        await git_access.fetch_commits(webhook, [before, after])
    except GitError as error:
        LOGGER.info("Clean-rebase detection could not fetch the commits; not clean: %s", error)
        return False
    return await content.is_clean_rebase(git_access.mirror_of(webhook), f"refs/heads/{pull.base_ref}", before, after)


async def process_push(webhook: GithubWebhook, pull: PullSnapshot, before: str, after: str) -> bool:
    """Clean rebase: comment and keep review labels (workflow in clean-rebase mode). Otherwise the normal
    workflow and every reviewer-state label removed. Returns whether the push was a clean rebase."""
    labels = LabelService.of(webhook)
    current = await labels.current()
    clean = await detect_clean_rebase(webhook, pull, before, after)
    webhook.ctx.complete_step("clean_rebase_detection", clean_rebase=clean)
    if clean:
        await post_comment(webhook, clean_rebase_comment(before, labels_kept_by_clean_rebase(sorted(current))))
        await run_full_workflow(webhook, clean_rebase=True)
        return True
    reset = LabelDiff(to_remove=review_labels_to_reset(sorted(current)))
    await run_concurrently(
        webhook,
        {"full_workflow": lambda: run_full_workflow(webhook), "reset_review_labels": lambda: labels.apply(reset)},
    )
    return False
