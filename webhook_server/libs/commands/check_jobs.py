"""The door from commands to the checks: inline checks run at once in the lane; command checks are (re)started
as jobs by the check service (`services.extensions["checks"]`), and the delivery waits for them after its lane."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from webhook_server.libs.config.rule_inputs import enabled_checks
from webhook_server.libs.pr.check_service import check_service
from webhook_server.libs.pr.inline_checks import run_inline_checks
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.rules.checks import inline_check_names

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)


async def _start_command_checks(webhook: GithubWebhook, pull: PullSnapshot, names: Sequence[str]) -> None:
    service = check_service(webhook)
    if service is None:
        LOGGER.error("No check service is registered; cannot run %s", ", ".join(names))
        return
    job_ids = await service.start_checks(
        webhook.repo_context, webhook.repo_config, pull, names, delivery_id=webhook.delivery.delivery_id
    )
    if job_ids:

        async def wait() -> None:
            await service.wait_for_jobs(job_ids)

        webhook.after_lane(wait)


async def restart_checks(webhook: GithubWebhook, pull: PullSnapshot, names: Sequence[str]) -> None:
    """Run `names` again on the PR's head SHA (`commands.md` §5.1): command checks through the check service
    (a running job of the same check is restarted, its run back to `queued`), inline checks now, followed by a
    merge evaluation (a command check is re-evaluated when its check run completes)."""
    inline = set(inline_check_names(enabled_checks(webhook.repo_config)))
    command_checks = [name for name in names if name not in inline]
    if command_checks:
        await _start_command_checks(webhook, pull, command_checks)
    inline_requested = [name for name in names if name in inline]
    if inline_requested:
        await run_inline_checks(webhook, inline_requested)
        request_evaluation(webhook)
