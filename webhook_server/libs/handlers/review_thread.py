"""`pull_request_review_thread` resolved/unresolved (`pr-workflow.md` §12.1): a merge evaluation. Deliveries
arrive here only when conversation resolution is required (stage 3 skips the others)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webhook_server.libs.pr.merge_gate import request_evaluation

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook


class ReviewThreadHandler:
    """Resolving or unresolving a conversation changes the unresolved-threads reason."""

    def __init__(self, webhook: GithubWebhook) -> None:
        self.webhook = webhook

    async def process_event(self) -> None:
        async with self.webhook.ctx.step("review_thread_handler", action=self.webhook.action):
            request_evaluation(self.webhook)
