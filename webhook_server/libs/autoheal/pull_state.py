"""The state-deriving part of the PR workflow, for one open PR outside any delivery: labels (`wip`,
`branch-*`, `size/*`, merge state, reviews), the `can-be-merged` verdict, and missing or stuck check runs.
Each part compares GitHub's state with what it should be and writes only the difference, so a second pass
over an unchanged PR makes no write. Every part returns whether it wrote."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from webhook_server.libs.bootstrap.model import ActiveJobCheck, RepositoryTarget, RerunCheck
from webhook_server.libs.bootstrap.recovery import UNFINISHED, CheckRecovery, OpenPull
from webhook_server.libs.config.rule_inputs import size_buckets
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.github.pages import get_all_pages
from webhook_server.libs.pr.check_runs import complete_check_run, forget_last_write
from webhook_server.libs.pr.check_service import check_service
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_check import gather_merge_snapshot
from webhook_server.libs.pr.merge_state import compare_with_base, schedule_mergeable_recheck
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.rules.can_be_merged import evaluate_merge
from webhook_server.libs.rules.checks import CAN_BE_MERGED, VERIFIED, CheckConclusion, CheckResult
from webhook_server.libs.rules.drift import SubmittedReview, can_be_merged_differs, missing_review_labels
from webhook_server.libs.rules.label_changes import LabelDiff, branch_label_diff, size_label_diff, wip_label_diff
from webhook_server.libs.rules.labels import CAN_BE_MERGED as CAN_BE_MERGED_LABEL
from webhook_server.libs.rules.merge_state import decide_merge_state, merge_state_label_diff
from webhook_server.libs.rules.size import pr_size, size_bucket

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)


async def apply_diff(labels: LabelService, diff: LabelDiff) -> bool:
    """Apply `diff`; True when any label was written."""
    wrote = False
    for label in diff.to_remove:
        wrote = await labels.remove(label) or wrote
    for label in diff.to_add:
        wrote = await labels.add(label) or wrote
    return wrote


async def _size_diff(webhook: GithubWebhook, current: frozenset[str]) -> LabelDiff:
    pull_request = webhook.pull_request
    assert pull_request is not None
    additions, deletions = await github_api_call(lambda: (pull_request.additions, pull_request.deletions))
    bucket = size_bucket(pr_size(additions, deletions), size_buckets(webhook.repo_config))
    return size_label_diff(current, bucket.label)


async def _merge_state_diff(webhook: GithubWebhook, pull: PullSnapshot, current: frozenset[str]) -> LabelDiff:
    if pull.mergeable is None:  # GitHub still computes it: the deferred re-check sets the labels, outside the lane
        await schedule_mergeable_recheck(webhook, pull)
    compare = await compare_with_base(webhook, pull) if pull.mergeable else None
    return merge_state_label_diff(decide_merge_state(pull.mergeable, compare), current)


async def _review_diff(webhook: GithubWebhook, pull: PullSnapshot, current: frozenset[str]) -> LabelDiff:
    url = f"/repos/{webhook.repo_context.full_name}/pulls/{pull.number}/reviews"
    reviews = [
        SubmittedReview(int(item["id"]), str(item["user"]["login"]), str(item["state"]), str(item["commit_id"]))
        for item in await get_all_pages(webhook.github, url)
        if item.get("user")
    ]
    return missing_review_labels(reviews, pull.head_sha, pull.author, current)


async def reconcile_labels(webhook: GithubWebhook, pull: PullSnapshot, labels: LabelService) -> bool:
    """`wip` from the title, `branch-<base>`, `size/*`, `has-conflicts`/`needs-rebase`, review labels."""
    wrote = await apply_diff(labels, wip_label_diff(await labels.current(), pull.title))
    wrote = await apply_diff(labels, branch_label_diff(await labels.current(), pull.base_ref)) or wrote
    wrote = await apply_diff(labels, await _size_diff(webhook, await labels.current())) or wrote
    wrote = await apply_diff(labels, await _merge_state_diff(webhook, pull, await labels.current())) or wrote
    return await apply_diff(labels, await _review_diff(webhook, pull, await labels.current())) or wrote


async def reconcile_can_be_merged(webhook: GithubWebhook, pull: PullSnapshot, labels: LabelService) -> bool:
    """Publish the current verdict when the `can-be-merged` run or label shows another one. An unsettled
    verdict (mergeable still unknown) is left to the next event. Auto-merge is not started from here."""
    snapshot = await gather_merge_snapshot(webhook, pull)
    verdict = evaluate_merge(snapshot)
    if verdict.recheck_later:
        return False
    ours = [run for run in snapshot.check_runs if run.name == CAN_BE_MERGED]
    latest = max(ours, key=lambda run: run.id) if ours else None
    wrote = False
    if verdict.can_merge:
        wrote = await labels.add(CAN_BE_MERGED_LABEL)
    else:
        wrote = await labels.remove(CAN_BE_MERGED_LABEL)
    status, conclusion = (latest.status, latest.conclusion) if latest else (None, None)
    if can_be_merged_differs(status, conclusion, verdict.can_merge):
        result_conclusion = CheckConclusion.SUCCESS if verdict.can_merge else CheckConclusion.FAILURE
        forget_last_write(webhook, CAN_BE_MERGED, pull.head_sha)  # GitHub shows another state than we wrote
        await complete_check_run(webhook, CAN_BE_MERGED, pull.head_sha, CheckResult(result_conclusion, verdict.output))
        wrote = True
    return wrote


async def reconcile_check_runs(
    webhook: GithubWebhook, pull: PullSnapshot, rerun_check: RerunCheck, active_job: ActiveJobCheck
) -> bool:
    """Start enabled command checks that have no run on the head; recover our runs left `queued` or
    `in_progress` with no live job (as the startup recovery does)."""
    service = check_service(webhook)
    app = webhook.repo_context.app
    if service is None or app is None:
        return False
    full_name = webhook.repo_context.full_name
    runs = await _our_runs(webhook, pull.head_sha, app.app_id)
    names = {str(run["name"]) for run in runs}
    wrote = False
    for name in service.enabled_command_checks(webhook.repo_config):
        if name not in names and not await active_job(full_name, pull.number, pull.head_sha, name):
            LOGGER.info("%s#%d: starting the missing %s check", full_name, pull.number, name)
            await rerun_check(full_name, pull.number, pull.head_sha, name)
            wrote = True
    recovery = CheckRecovery(_target(webhook), app, rerun_check, active_job)
    open_pull = OpenPull(pull.number, pull.head_sha, tuple(sorted(pull.labels)))
    for run in runs:
        wrote = await _recover_if_stuck(recovery, active_job, open_pull, run) or wrote
    return wrote


async def _recover_if_stuck(
    recovery: CheckRecovery, active_job: ActiveJobCheck, pull: OpenPull, run: dict[str, Any]
) -> bool:
    """Re-queue and re-run our run left unfinished with no live job (`verified` waits by design; the
    `can-be-merged` part already published its verdict)."""
    name = str(run["name"])
    if run["status"] not in UNFINISHED or name in (CAN_BE_MERGED, VERIFIED):
        return False
    if await active_job(recovery.target.full_name, pull.number, pull.head_sha, name):
        return False
    await recovery.recover_run(pull, run)
    return True


async def _our_runs(webhook: GithubWebhook, head_sha: str, app_id: int) -> list[dict[str, Any]]:
    """Our App's check runs on the head, the latest per name."""
    url = f"/repos/{webhook.repo_context.full_name}/commits/{head_sha}/check-runs"
    runs = await get_all_pages(webhook.github, url, {"app_id": app_id}, item_key="check_runs")
    latest = {str(run["name"]): run for run in sorted(runs, key=lambda run: int(run["id"]))}
    return list(latest.values())


def _target(webhook: GithubWebhook) -> RepositoryTarget:
    """The bootstrap target `CheckRecovery` works on (it reads only the full name and the client)."""
    return RepositoryTarget(webhook.config, webhook.repo_config, webhook.github, "", {})
