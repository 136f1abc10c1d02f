"""Requests for the coalesced `can-be-merged` evaluation of a delivery's PR (`intake.md` §5.3).

A request registers one followup on the delivery; after the lane phase it asks `services.evaluations`
for an evaluation of the PR (a 3 s quiet window, latest requester wins) and waits for it, recording
`coalesced_into` when another delivery's evaluation covered it.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from webhook_server.libs.pr.merge_check import evaluate_can_be_merged

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

STEP_NAME = "check_merge_eligibility"

_REQUESTED: weakref.WeakKeyDictionary[GithubWebhook, dict[str, bool]] = weakref.WeakKeyDictionary()


def _evaluation(webhook: GithubWebhook) -> Callable[[], Awaitable[None]]:
    async def evaluate() -> None:
        await evaluate_can_be_merged(webhook)

    return evaluate


def request_evaluation(webhook: GithubWebhook, *, immediate: bool = False) -> None:
    """Ask for a `can-be-merged` evaluation of the delivery's PR once its lane phase is over.

    Several requests of one delivery become one. `immediate` (for `/check-can-merge`) skips the quiet
    window: the evaluation is queued in the PR's lane at once.
    """
    request = _REQUESTED.get(webhook)
    if request is not None:
        request["immediate"] = request["immediate"] or immediate
        return
    request = _REQUESTED[webhook] = {"immediate": immediate}
    pr_key = webhook.pr_lane_key

    async def followup() -> None:
        await _run_request(webhook, pr_key, immediate=request["immediate"])

    webhook.after_lane(followup)


async def _run_request(webhook: GithubWebhook, pr_key: str, *, immediate: bool) -> None:
    own_id = webhook.delivery.delivery_id
    evaluate = _evaluation(webhook)
    if immediate:
        await webhook.services.dispatcher.run_in_lane(pr_key, evaluate)
        return
    ran_id = await webhook.services.evaluations.request(pr_key, own_id, evaluate)
    if ran_id != own_id:
        webhook.ctx.complete_step(STEP_NAME, coalesced_into=ran_id)
