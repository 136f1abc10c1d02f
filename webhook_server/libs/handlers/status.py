"""`status` with state success/failure/error (`pr-workflow.md` §1): a merge evaluation of the PR whose head
the status is for (pending statuses never reach here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webhook_server.libs.pr.merge_gate import request_evaluation

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook


class StatusHandler:
    """A commit status changed on a PR head."""

    def __init__(self, webhook: GithubWebhook) -> None:
        self.webhook = webhook

    async def process_event(self) -> None:
        webhook = self.webhook
        async with webhook.ctx.step("status_handler", context=webhook.payload.get("context")):
            request_evaluation(webhook)
