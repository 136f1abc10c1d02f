"""The full PR workflow (`pr-workflow.md` §1.1): stage 1 items run concurrently, each in its own step so one
failure does not stop the others; stage 2 starts the command-check jobs and requests a merge evaluation.
Also the small shared pieces: `wip` from the title (§1.3) and `/reprocess`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from webhook_server.libs.config.rule_inputs import size_buckets
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr.check_runs import write_check_run
from webhook_server.libs.pr.check_service import queue_command_checks, start_command_checks
from webhook_server.libs.pr.inline_checks import run_inline_checks
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.pr.merge_state import update_merge_state_labels
from webhook_server.libs.pr.native_automerge import evaluate_native_auto_merge
from webhook_server.libs.pr.repo_config_comment import has_invalid_repo_config, report_invalid_repo_config
from webhook_server.libs.pr.reviewers import assign_pr, request_reviewers
from webhook_server.libs.pr.snapshot import PullSnapshot, pull_snapshot
from webhook_server.libs.pr.tracking_issue import ensure_tracking_issue
from webhook_server.libs.pr.verified import apply_verified
from webhook_server.libs.pr.welcome import ensure_welcome_comment
from webhook_server.libs.rules.checks import CAN_BE_MERGED, CheckStatus
from webhook_server.libs.rules.label_changes import branch_label_diff, size_label_diff, wip_label_diff
from webhook_server.libs.rules.size import pr_size, size_bucket

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

__all__ = ["apply_wip_from_title", "ensure_welcome_comment", "reprocess", "run_full_workflow", "run_isolated"]

Work = Callable[[], Awaitable[object]]


async def run_isolated(webhook: GithubWebhook, step_name: str, work: Work) -> bool:
    """Run `work` as the step `step_name`; a failure is logged and recorded on the step, not raised."""
    try:
        async with webhook.ctx.step(step_name):
            await work()
    except Exception:
        LOGGER.exception("%s failed", step_name)
        return False
    return True


async def run_concurrently(webhook: GithubWebhook, items: dict[str, Work]) -> None:
    """Run independent items at the same time, each isolated in its own step."""
    await asyncio.gather(*(run_isolated(webhook, name, work) for name, work in items.items()))


async def apply_wip_from_title(webhook: GithubWebhook) -> None:
    """Add `wip` for a `wip:` title, remove it otherwise."""
    pull = await pull_snapshot(webhook)
    labels = LabelService.of(webhook)
    await labels.apply(wip_label_diff(await labels.current(), pull.title))


async def apply_branch_and_size_labels(webhook: GithubWebhook, pull: PullSnapshot) -> None:
    """`branch-<base>` and no other `branch-*` label; exactly one `size/*` label, from additions + deletions.
    Both additions go out in one request."""
    pull_request = webhook.pull_request
    assert pull_request is not None
    additions, deletions = await github_api_call(lambda: (pull_request.additions, pull_request.deletions))
    bucket = size_bucket(pr_size(additions, deletions), size_buckets(webhook.repo_config))
    labels = LabelService.of(webhook)
    current = await labels.current()
    await labels.apply(branch_label_diff(current, pull.base_ref).merged_with(size_label_diff(current, bucket.label)))


def _stage_one(webhook: GithubWebhook, pull: PullSnapshot, clean_rebase: bool) -> dict[str, Work]:
    labels = LabelService.of(webhook)
    items: dict[str, Work] = {}
    if has_invalid_repo_config(webhook):
        items["repo_config_comment"] = lambda: report_invalid_repo_config(webhook)
    return items | {
        "assign_reviewers": lambda: request_reviewers(webhook),
        "branch_and_size_labels": lambda: apply_branch_and_size_labels(webhook, pull),
        "merge_state_labels": lambda: update_merge_state_labels(webhook, pull, labels),
        "queue_can_be_merged": lambda: write_check_run(webhook, CAN_BE_MERGED, pull.head_sha, CheckStatus.QUEUED),
        "queue_command_checks": lambda: queue_command_checks(webhook, pull),
        "inline_checks": lambda: run_inline_checks(webhook),
        "verified": lambda: apply_verified(webhook, pull, labels, clean_rebase=clean_rebase),
        "assignee": lambda: assign_pr(webhook, pull),
    }


async def run_full_workflow(webhook: GithubWebhook, *, clean_rebase: bool = False) -> None:
    """Stage 1 concurrently, then start the command checks and request a merge evaluation."""
    pull = await pull_snapshot(webhook)
    await LabelService.of(webhook).current()
    await run_concurrently(webhook, _stage_one(webhook, pull, clean_rebase))
    await run_isolated(webhook, "start_command_checks", lambda: start_command_checks(webhook, pull))
    request_evaluation(webhook)


async def reprocess(webhook: GithubWebhook) -> None:
    """`/reprocess`: nothing on a merged PR; otherwise welcome and tracking issue if missing (reopening a
    closed issue), `wip` from the title, the full workflow, then native auto-merge."""
    pull = await pull_snapshot(webhook)
    if pull.merged:
        LOGGER.info("PR #%d is merged; nothing to reprocess", pull.number)
        return
    await run_concurrently(
        webhook,
        {
            "welcome_comment": lambda: ensure_welcome_comment(webhook),
            "tracking_issue": lambda: ensure_tracking_issue(webhook, pull, reopen=True),
            "wip_label": lambda: apply_wip_from_title(webhook),
            "full_workflow": lambda: run_full_workflow(webhook),
        },
    )
    await run_isolated(webhook, "native_auto_merge", lambda: evaluate_native_auto_merge(webhook))
