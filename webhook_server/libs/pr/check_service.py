"""How the PR workflow reaches the command-check service (`services.extensions["checks"]`): queue, start,
wait for and cancel the jobs of a PR. Without a registered service these are logged no-ops."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from webhook_server.libs.checks.service import CheckService
from webhook_server.libs.pr.snapshot import PullSnapshot

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

CHECKS_EXTENSION = "checks"


def check_service(webhook: GithubWebhook) -> CheckService | None:
    """The registered check service, or None (then command checks are not run)."""
    service: CheckService | None = webhook.services.extensions.get(CHECKS_EXTENSION)
    if service is None:
        LOGGER.debug("No check service registered; command checks are not run")
    return service


async def queue_command_checks(webhook: GithubWebhook, pull: PullSnapshot) -> None:
    """Set every enabled command check to `queued` on the head SHA."""
    service = check_service(webhook)
    if service is not None:
        await service.queue_checks(webhook.repo_context, webhook.repo_config, pull)


async def start_command_checks(webhook: GithubWebhook, pull: PullSnapshot) -> None:
    """Start one job per enabled command check; the delivery waits for them after its lane phase."""
    service = check_service(webhook)
    if service is None:
        return
    job_ids = await service.start_checks(
        webhook.repo_context, webhook.repo_config, pull, delivery_id=webhook.delivery.delivery_id
    )
    if job_ids:

        async def wait() -> None:
            await service.wait_for_jobs(job_ids)

        webhook.after_lane(wait)


async def cancel_superseded_jobs(webhook: GithubWebhook, pull: PullSnapshot) -> int:
    """Cancel this PR's jobs for any head SHA other than the current one."""
    service = check_service(webhook)
    if service is None:
        return 0
    return await service.cancel_superseded(webhook.repo_context.full_name, pull.number, pull.head_sha)


async def cancel_pr_jobs(webhook: GithubWebhook, pull: PullSnapshot) -> int:
    """Cancel every queued or running job of this PR (it was closed)."""
    service = check_service(webhook)
    if service is None:
        return 0
    return await service.cancel_pr(webhook.repo_context.full_name, pull.number)
