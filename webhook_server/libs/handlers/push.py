"""`push` events (`pr-workflow.md` §1): a tag push starts the tag's release job — PyPI publish when `pypi`
is set, then the release image when `container.release` is true. Branch pushes and deletions never reach
this handler (early exits)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from webhook_server.libs.release.tag_release import schedule_tag_release

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

TAG_REF_PREFIX = "refs/tags/"


class PushHandler:
    """Routes a tag push to the release flows."""

    def __init__(self, webhook: GithubWebhook) -> None:
        self.webhook = webhook

    async def process_event(self) -> None:
        webhook = self.webhook
        ref = str(webhook.payload["ref"])
        async with webhook.ctx.step("push_handler", ref=ref) as step:
            tag = ref.removeprefix(TAG_REF_PREFIX)
            job_id = await schedule_tag_release(webhook, tag, str(webhook.payload["after"]))
            step.data["release_job"] = job_id
            LOGGER.info("Tag %s pushed; release job: %s", tag, job_id)
