"""The `can-be-merged` evaluation of a PR (`pr-workflow.md` §12): gather the inputs concurrently, ask the
pure rule for a verdict, then write the check run and the label, and merge when `automerge` asks for it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import quote

from github import GithubException

from webhook_server.libs.config.rule_inputs import enabled_checks
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.github.pages import get_all_pages
from webhook_server.libs.pr import owners_service
from webhook_server.libs.pr.automerge import merge_if_automerge
from webhook_server.libs.pr.check_runs import complete_check_run, failure_result
from webhook_server.libs.pr.graphql import unresolved_review_threads
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_reads import MergeReads, read_merge_inputs
from webhook_server.libs.pr.merge_state import schedule_mergeable_recheck
from webhook_server.libs.pr.snapshot import PullSnapshot, lane_fresh_snapshot
from webhook_server.libs.rules.can_be_merged import (
    CAN_BE_MERGED_ERROR_TEXT,
    CAN_BE_MERGED_TITLE,
    CheckRunState,
    CommitStatus,
    MergeSnapshot,
    MergeVerdict,
    ReviewThread,
    evaluate_merge,
)
from webhook_server.libs.rules.checks import (
    CAN_BE_MERGED,
    CheckConclusion,
    CheckResult,
    merge_required_checks,
)
from webhook_server.libs.rules.labels import CAN_BE_MERGED as CAN_BE_MERGED_LABEL

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

STEP_NAME = "check_merge_eligibility"


async def head_check_runs(webhook: GithubWebhook, head_sha: str) -> tuple[CheckRunState, ...]:
    """The check runs of the head SHA from every app (latest per name)."""
    url = f"/repos/{webhook.repo_context.full_name}/commits/{head_sha}/check-runs"
    runs = await get_all_pages(webhook.github, url, item_key="check_runs")
    return tuple(
        CheckRunState(run["name"], run["status"], run.get("conclusion"), int(run["id"]), run.get("html_url") or "")
        for run in runs
    )


async def head_statuses(webhook: GithubWebhook, head_sha: str) -> tuple[CommitStatus, ...]:
    """The commit statuses of the head SHA."""
    url = f"/repos/{webhook.repo_context.full_name}/commits/{head_sha}/statuses"
    statuses = await get_all_pages(webhook.github, url)
    return tuple(CommitStatus(status["context"], status["state"], int(status["id"])) for status in statuses)


async def required_status_contexts(webhook: GithubWebhook, base_ref: str) -> tuple[str, ...]:
    """The base branch's required status contexts (private repositories too); 403/404 → none."""
    url = (
        f"/repos/{webhook.repo_context.full_name}/branches/{quote(base_ref, safe='')}/protection/required_status_checks"
    )
    try:
        _, data = await github_api_call(webhook.github.requester.requestJsonAndCheck, "GET", url)
    except GithubException as error:
        if error.status in (403, 404):
            return ()
        raise
    contexts = list(data.get("contexts") or [])
    contexts.extend(check["context"] for check in data.get("checks") or [])
    return tuple(dict.fromkeys(contexts))


async def _threads(webhook: GithubWebhook, number: int) -> tuple[ReviewThread, ...]:
    if not webhook.repo_config.conversation_resolution_required:
        return ()
    return await unresolved_review_threads(webhook, number)


async def _rest_reads(webhook: GithubWebhook, pull: PullSnapshot) -> MergeReads:
    """The GitHub-side inputs read one REST (or GraphQL) request each, page by page."""
    runs, statuses, contexts, threads = await asyncio.gather(
        head_check_runs(webhook, pull.head_sha),
        head_statuses(webhook, pull.head_sha),
        required_status_contexts(webhook, pull.base_ref),
        _threads(webhook, pull.number),
    )
    return MergeReads(runs, statuses, contexts, threads)


async def _github_reads(webhook: GithubWebhook, pull: PullSnapshot) -> MergeReads:
    """One GraphQL request when its answer is complete, else the REST reads."""
    threads = webhook.repo_config.conversation_resolution_required
    reads = await read_merge_inputs(webhook, pull.number, pull.head_sha, pull.base_ref, threads=threads)
    return reads if reads is not None else await _rest_reads(webhook, pull)


async def gather_merge_snapshot(webhook: GithubWebhook, pull: PullSnapshot) -> MergeSnapshot:
    """Read every input of the verdict concurrently (step 3 of §12); `mergeable` as just fetched (a null
    one is re-checked later through the ledger, never waited for in the lane)."""
    config = webhook.repo_config
    reads, owners = await asyncio.gather(_github_reads(webhook, pull), owners_service.pr_owners(webhook))
    return MergeSnapshot(
        mergeable=pull.mergeable,
        labels=tuple(sorted(pull.labels)),
        owners=owners,
        pr_author=pull.author,
        required_checks=merge_required_checks(enabled_checks(config), reads.required_contexts),
        check_runs=reads.check_runs,
        statuses=reads.statuses,
        required_labels=config.can_be_merged_required_labels,
        unresolved_threads=reads.unresolved_threads,
        minimum_lgtm=config.minimum_lgtm,
    )


async def _publish(webhook: GithubWebhook, pull: PullSnapshot, verdict: MergeVerdict, labels: LabelService) -> None:
    if verdict.can_merge:
        await labels.add(CAN_BE_MERGED_LABEL)
        result = CheckResult(CheckConclusion.SUCCESS, verdict.output)
    else:
        await labels.remove(CAN_BE_MERGED_LABEL)
        result = CheckResult(CheckConclusion.FAILURE, verdict.output)
    await complete_check_run(webhook, CAN_BE_MERGED, pull.head_sha, result)


async def _publish_error(webhook: GithubWebhook, pull: PullSnapshot, labels: LabelService) -> None:
    await labels.remove(CAN_BE_MERGED_LABEL)
    error = failure_result(CAN_BE_MERGED_TITLE, "Merge requirements could not be checked", CAN_BE_MERGED_ERROR_TEXT)
    await complete_check_run(webhook, CAN_BE_MERGED, pull.head_sha, error)


async def evaluate_can_be_merged(webhook: GithubWebhook) -> None:
    """One evaluation unit in the PR's lane: re-read the PR, decide, publish, maybe merge.

    An unexpected error fails the step (after the failure is published) without failing the delivery.
    """
    try:
        verdict, pull, labels = await _evaluate(webhook)
    except Exception:
        LOGGER.exception("The can-be-merged evaluation failed")
        return
    if verdict is None:
        return
    if verdict.recheck_later:
        await schedule_mergeable_recheck(webhook, pull, evaluate=True)
    if verdict.can_merge:
        current = replace(pull, labels=await labels.current())
        await merge_if_automerge(webhook, current, evaluated_sha=pull.head_sha)


async def _evaluate(webhook: GithubWebhook) -> tuple[MergeVerdict | None, PullSnapshot, LabelService]:
    """Steps 1–6 of §12 inside the `check_merge_eligibility` step; no verdict for a merged or closed PR.

    Step 2 (`in_progress`) is not written: the evaluation takes well under a second, so the run is written
    once, with its final state (issue 21: one write instead of two)."""
    async with webhook.ctx.step(STEP_NAME) as step:
        pull = await lane_fresh_snapshot(webhook, await LabelService.of(webhook).current())
        labels = LabelService.reset(webhook, pull.labels)
        if pull.merged or pull.state != "open":
            step.data.update(can_merge=False, reason="already_merged" if pull.merged else "closed")
            return None, pull, labels
        try:
            verdict = evaluate_merge(await gather_merge_snapshot(webhook, pull))
        except Exception:
            await _publish_error(webhook, pull, labels)
            step.data.update(can_merge=False, reason="error")
            raise
        await _publish(webhook, pull, verdict, labels)
        step.data.update(can_merge=verdict.can_merge, reason=verdict.reason)
    return verdict, pull, labels
