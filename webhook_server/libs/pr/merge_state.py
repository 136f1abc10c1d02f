"""The merge-state labels `has-conflicts`/`needs-rebase` (`pr-workflow.md` §4.1) decided from what is known,
and the deferred re-check scheduled while GitHub still computes `mergeable` (null).

Nothing waits inside a lane: a null `mergeable` leaves both labels as they are and schedules a ledger-backed
re-check of the PR's head (`services.deferred`, run by `pr.mergeable_recheck`). A push cancels the re-checks
of older heads and a close cancels all of the PR's re-checks, at once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import quote

from github import GithubException

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pipeline.jobs import JobRequest
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.rules.merge_state import (
    CompareResult,
    RecheckSchedule,
    decide_merge_state,
    merge_state_label_diff,
    next_recheck_delay,
)

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook
    from webhook_server.libs.pipeline.ledger import Job

LOGGER = logging.getLogger(__name__)

RECHECK_KIND = "mergeable-recheck"
RECHECK_NAME = "mergeable"
EVALUATE = "evaluate"  # spec flag: a `can-be-merged` evaluation waits for the settled value
RECHECK_SCHEDULE = RecheckSchedule()


async def schedule_mergeable_recheck(webhook: GithubWebhook, pull: PullSnapshot, *, evaluate: bool = False) -> None:
    """Look at `mergeable` of the PR's head again later (one active re-check per head; `evaluate` joins it)."""
    delay = next_recheck_delay(RECHECK_SCHEDULE, 0.0)
    assert delay is not None  # a schedule never gives up before its first re-check
    request = JobRequest(
        kind=RECHECK_KIND,
        repository=webhook.repo_context.full_name,
        pr_number=pull.number,
        head_sha=pull.head_sha,
        name=RECHECK_NAME,
        spec={EVALUATE: True} if evaluate else {},
        delivery_id=webhook.delivery.delivery_id,
    )
    job_id = await webhook.services.deferred.schedule(request, delay)
    LOGGER.info("Mergeability of PR #%d is not known yet; re-check %d in %.0f s", pull.number, job_id, delay)


async def cancel_mergeable_rechecks(webhook: GithubWebhook, pull: PullSnapshot) -> int:
    """End the PR's re-checks at once: every one when it is closed or merged, those of older heads otherwise."""
    full_name = webhook.repo_context.full_name
    keep = pull.head_sha if pull.is_open else None
    reason = f"head moved to {pull.head_sha[:7]}" if keep else "pull request merged" if pull.merged else "closed"

    def superseded(job: Job) -> bool:
        return (
            job.kind == RECHECK_KIND
            and job.repository == full_name
            and job.pr_number == pull.number
            and job.head_sha != keep
        )

    return await webhook.services.deferred.cancel_where(superseded, reason)


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


async def apply_merge_state_labels(webhook: GithubWebhook, pull: PullSnapshot, labels: LabelService) -> None:
    """Add or remove `has-conflicts` and `needs-rebase` as the §4.1 rule decides from `pull.mergeable`."""
    compare = await compare_with_base(webhook, pull) if pull.mergeable else None
    decision = decide_merge_state(pull.mergeable, compare)
    await labels.apply(merge_state_label_diff(decision, await labels.current()))


async def update_merge_state_labels(webhook: GithubWebhook, pull: PullSnapshot, labels: LabelService) -> None:
    """The §4.1 labels from what is known now; a null `mergeable` schedules a deferred re-check instead."""
    if pull.mergeable is None:
        await schedule_mergeable_recheck(webhook, pull)
        return
    await apply_merge_state_labels(webhook, pull, labels)
