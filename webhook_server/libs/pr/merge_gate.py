"""Requests for the coalesced `can-be-merged` evaluation of a delivery's PR (`intake.md` §5.3).

A request registers one followup on the delivery; after the lane phase it asks `services.evaluations`
for an evaluation of the PR (at once when no other work of the PR is pending, else coalesced for at most
3 s, latest requester wins) and waits for it, recording `coalesced_into` when another delivery's
evaluation covered it.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr.merge_check import evaluate_can_be_merged
from webhook_server.libs.rules.ordering import sha_key

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

STEP_NAME = "check_merge_eligibility"


@dataclass
class _Request:
    immediate: bool
    changed_at: float | None


_REQUESTED: weakref.WeakKeyDictionary[GithubWebhook, _Request] = weakref.WeakKeyDictionary()


def _evaluation(webhook: GithubWebhook) -> Callable[[], Awaitable[None]]:
    async def evaluate() -> None:
        await evaluate_can_be_merged(webhook)

    return evaluate


def request_evaluation(webhook: GithubWebhook, *, immediate: bool = False, changed_at: float | None = None) -> None:
    """Ask for a `can-be-merged` evaluation of the delivery's PR once its lane phase is over.

    Several requests of one delivery become one. `immediate` (for `/check-can-merge`) skips coalescing:
    the evaluation is queued in the PR's lane at once. `changed_at`: when this process made the change the
    request is about (see `MergeEvaluations.request`); a request without it needs a new evaluation.
    """
    request = _REQUESTED.get(webhook)
    if request is not None:
        request.immediate = request.immediate or immediate
        if request.changed_at is not None:
            request.changed_at = None if changed_at is None else max(request.changed_at, changed_at)
        return
    request = _REQUESTED[webhook] = _Request(immediate, changed_at)
    pr_key = webhook.pr_lane_key

    async def followup() -> None:
        await _run_request(webhook, pr_key, request)

    webhook.after_lane(followup)


async def _run_request(webhook: GithubWebhook, pr_key: str, request: _Request) -> None:
    own_id = webhook.delivery.delivery_id
    evaluate = _evaluation(webhook)
    if request.immediate:
        await webhook.services.dispatcher.run_in_lane(pr_key, evaluate)
        return
    pull = webhook.pull_request
    assert pull is not None
    head_sha = await github_api_call(lambda: pull.head.sha)
    head_lane = sha_key(webhook.delivery.repository_full_name, head_sha)  # where the head's `status` deliveries run
    ran_id = await webhook.services.evaluations.request(
        pr_key, own_id, evaluate, changed_at=request.changed_at, related_lanes=(head_lane,)
    )
    if ran_id != own_id:
        webhook.ctx.complete_step(STEP_NAME, coalesced_into=ran_id)
