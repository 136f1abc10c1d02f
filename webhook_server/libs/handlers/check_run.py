"""`check_run` `completed` (`pr-workflow.md` §1): a successful `can-be-merged` merges an `automerge` PR;
any other check run requests a merge evaluation."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from webhook_server.libs.pr.automerge import merge_if_automerge
from webhook_server.libs.pr.check_runs import own_completion_time
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.pr.snapshot import refresh_snapshot
from webhook_server.libs.rules.checks import CAN_BE_MERGED

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)


class CheckRunHandler:
    """Merge on a passed `can-be-merged`, re-evaluate on anything else."""

    def __init__(self, webhook: GithubWebhook) -> None:
        self.webhook = webhook

    async def process_event(self) -> None:
        webhook = self.webhook
        check_run = webhook.payload["check_run"]
        name = str(check_run["name"])
        async with webhook.ctx.step("check_run_handler", check_run=name, conclusion=check_run.get("conclusion")):
            if name == CAN_BE_MERGED:
                self._merge_in_pr_lane(str(check_run["head_sha"]))
            else:
                request_evaluation(webhook, changed_at=own_completion_time(webhook, check_run))

    def _merge_in_pr_lane(self, evaluated_sha: str) -> None:
        """The merge is PR work: it runs in the PR's lane after this delivery's lane phase."""
        webhook = self.webhook
        pr_key = webhook.pr_lane_key

        async def merge() -> None:
            await merge_if_automerge(webhook, await refresh_snapshot(webhook), evaluated_sha)

        async def followup() -> None:
            await webhook.services.dispatcher.run_in_lane(pr_key, merge)

        webhook.after_lane(followup)
