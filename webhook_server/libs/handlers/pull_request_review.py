"""`pull_request_review` `submitted` (`pr-workflow.md` §1, §5): the reviewer-state label, a `/approve` line
in the review body applied for the reviewer, then a merge evaluation."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from webhook_server.libs.pr import owners_service
from webhook_server.libs.pr.comments import post_comment
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.pr.snapshot import pull_snapshot
from webhook_server.libs.pr.test_oracle import trigger_test_oracle
from webhook_server.libs.rules.labels import APPROVED_PREFIX
from webhook_server.libs.rules.logins import normalize_login
from webhook_server.libs.rules.reviewer_state import approve_command, review_body_has_approve, review_label_diff

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)


class PullRequestReviewHandler:
    """Reviewer-state labels from a submitted review."""

    def __init__(self, webhook: GithubWebhook) -> None:
        self.webhook = webhook

    async def process_event(self) -> None:
        webhook = self.webhook
        review = webhook.payload["review"]
        reviewer = str(review["user"]["login"])
        async with webhook.ctx.step("pr_review_handler", state=review["state"], reviewer=reviewer):
            pull = await pull_snapshot(webhook)
            labels = LabelService.of(webhook)
            await labels.apply(review_label_diff(str(review["state"]), reviewer, pull.author))
            if review_body_has_approve(review.get("body")):
                await self._approve(reviewer)
        request_evaluation(webhook)

    async def _approve(self, reviewer: str) -> None:
        """`/approve` for the reviewer; the oracle's `approved` trigger fires only when the label is on."""
        webhook = self.webhook
        owners = await owners_service.pr_owners(webhook)
        outcome = approve_command(reviewer, owners.approvers_with_root, cancel=False)
        if not outcome.allowed:
            assert outcome.refusal is not None
            await post_comment(webhook, outcome.refusal)
            return
        labels = LabelService.of(webhook)
        await labels.apply(outcome.diff)
        if f"{APPROVED_PREFIX}{normalize_login(reviewer)}" in await labels.current():
            await trigger_test_oracle(webhook, "approved")
