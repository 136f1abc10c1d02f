"""Registered handler for events whose workflow is not built yet: records that it was routed."""

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from webhook_server.libs.github_api import GithubWebhook

LOGGER = logging.getLogger(__name__)


class PendingHandler:
    """Logs the routing decision; the event's effects arrive with their own handler."""

    def __init__(self, webhook: "GithubWebhook") -> None:
        self.webhook = webhook

    async def process_event(self) -> None:
        webhook = self.webhook
        async with webhook.ctx.step("pr_handler" if webhook.pull_request else "push_handler", action=webhook.action):
            LOGGER.info("Routed %s/%s to %s (no effects yet)", webhook.event, webhook.action, type(self).__name__)
