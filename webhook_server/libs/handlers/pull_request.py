"""`pull_request` events (`pr-workflow.md` §1): opened, reopened, ready_for_review, synchronize, edited,
labeled/unlabeled and closed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from webhook_server.libs.pr.check_service import cancel_pr_jobs, cancel_superseded_jobs
from webhook_server.libs.pr.closed import schedule_merge_state_refresh
from webhook_server.libs.pr.inline_checks import run_inline_checks
from webhook_server.libs.pr.label_event import process_label_event
from webhook_server.libs.pr.merge_state import cancel_mergeable_rechecks
from webhook_server.libs.pr.native_automerge import evaluate_native_auto_merge
from webhook_server.libs.pr.snapshot import PullSnapshot, pull_snapshot
from webhook_server.libs.pr.synchronize import process_push
from webhook_server.libs.pr.test_oracle import trigger_test_oracle
from webhook_server.libs.pr.tracking_issue import close_tracking_issue, ensure_tracking_issue
from webhook_server.libs.pr.workflow import (
    Work,
    apply_wip_from_title,
    ensure_welcome_comment,
    run_concurrently,
    run_full_workflow,
    run_isolated,
)
from webhook_server.libs.release.on_close import release_after_close
from webhook_server.libs.rules.checks import CONVENTIONAL_TITLE

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)


class PullRequestHandler:
    """Routes a `pull_request` delivery by action."""

    def __init__(self, webhook: GithubWebhook) -> None:
        self.webhook = webhook

    async def process_event(self) -> None:
        webhook = self.webhook
        actions: dict[str, Callable[[PullSnapshot], Awaitable[None]]] = {
            "opened": self._opened,
            "ready_for_review": self._ready_for_review,
            "reopened": self._reopened,
            "synchronize": self._synchronize,
            "edited": self._edited,
            "labeled": self._label_changed,
            "unlabeled": self._label_changed,
            "closed": self._closed,
        }
        async with webhook.ctx.step("pr_handler", action=webhook.action):
            pull = await pull_snapshot(webhook)
            await actions[str(webhook.action)](pull)

    async def _start(self, pull: PullSnapshot, *, welcome: bool, reopen_issue: bool) -> None:
        """opened / ready_for_review / reopened: concurrently welcome, tracking issue, `wip`, full workflow;
        then native auto-merge."""
        webhook = self.webhook
        items: dict[str, Work] = {}
        if welcome:
            items["welcome_comment"] = lambda: ensure_welcome_comment(webhook)
        items["tracking_issue"] = lambda: ensure_tracking_issue(webhook, pull, reopen=reopen_issue)
        items["wip_label"] = lambda: apply_wip_from_title(webhook)
        items["full_workflow"] = lambda: run_full_workflow(webhook)
        await run_concurrently(webhook, items)
        await run_isolated(webhook, "native_auto_merge", lambda: evaluate_native_auto_merge(webhook))

    async def _opened(self, pull: PullSnapshot) -> None:
        await self._start(pull, welcome=True, reopen_issue=False)
        await run_isolated(self.webhook, "test_oracle", lambda: trigger_test_oracle(self.webhook, "pr-opened"))

    async def _ready_for_review(self, pull: PullSnapshot) -> None:
        await self._start(pull, welcome=True, reopen_issue=False)

    async def _reopened(self, pull: PullSnapshot) -> None:
        await self._start(pull, welcome=False, reopen_issue=True)

    async def _synchronize(self, pull: PullSnapshot) -> None:
        webhook = self.webhook
        await run_isolated(webhook, "cancel_superseded_jobs", lambda: cancel_superseded_jobs(webhook, pull))
        await run_isolated(webhook, "cancel_superseded_rechecks", lambda: cancel_mergeable_rechecks(webhook, pull))
        before, after = str(webhook.payload.get("before", "")), str(webhook.payload.get("after", ""))
        await process_push(webhook, pull, before, after)
        await run_isolated(webhook, "native_auto_merge", lambda: evaluate_native_auto_merge(webhook))
        await run_isolated(webhook, "test_oracle", lambda: trigger_test_oracle(webhook, "pr-synchronized"))

    async def _edited(self, pull: PullSnapshot) -> None:
        webhook = self.webhook
        changes = webhook.payload.get("changes") or {}
        items: dict[str, Work] = {"wip_label": lambda: apply_wip_from_title(webhook)}
        if "title" in changes and webhook.repo_config.conventional_title:
            items["conventional_title"] = lambda: run_inline_checks(webhook, (CONVENTIONAL_TITLE,))
        if "base" in changes:
            items["full_workflow"] = lambda: run_full_workflow(webhook)
        await run_concurrently(webhook, items)

    async def _label_changed(self, pull: PullSnapshot) -> None:
        await process_label_event(self.webhook, pull)

    async def _closed(self, pull: PullSnapshot) -> None:
        webhook = self.webhook
        await run_concurrently(
            webhook,
            {
                "cancel_jobs": lambda: cancel_pr_jobs(webhook, pull),
                "cancel_rechecks": lambda: cancel_mergeable_rechecks(webhook, pull),
                "close_tracking_issue": lambda: close_tracking_issue(webhook, pull),
            },
        )
        await run_isolated(webhook, "release_flows", lambda: release_after_close(webhook, pull))
        if pull.merged:
            await run_isolated(
                webhook, "schedule_merge_state_refresh", lambda: schedule_merge_state_refresh(webhook, pull)
            )
