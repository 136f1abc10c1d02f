"""A tag push (`pr-workflow.md` §1, `release.md` §4, §3.1): one job that publishes to PyPI when `pypi.token`
is set, then builds and pushes the release image when `container.release` is true."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from webhook_server.libs.release.container_jobs import ContainerBuilds
from webhook_server.libs.release.pypi import PypiPublisher
from webhook_server.libs.release.release_jobs import release_request, submit_release_job, timed_handlers
from webhook_server.libs.release.service import release_service

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

TAG_RELEASE_JOB_KIND = "tag-release"


async def schedule_tag_release(webhook: GithubWebhook, tag: str, sha: str) -> int | None:
    """Queue the tag's release job; None when neither PyPI nor a release image is configured."""
    config = webhook.repo_config
    release_image = config.container is not None and config.container.release
    if not config.pypi_token and not release_image:
        LOGGER.info("Tag %s: neither pypi nor container.release is configured", tag)
        return None
    service = release_service(webhook)
    repo = webhook.repo_context
    delivery_id = webhook.delivery.delivery_id

    async def work() -> bool:
        published = True
        if config.pypi_token:
            published = await PypiPublisher(service, repo, config, tag).publish(delivery_id)
        if release_image:
            outcome = await ContainerBuilds(service, repo, config).tag_image(tag, delivery_id)
            published = published and outcome.published
        return published

    request = release_request(webhook, TAG_RELEASE_JOB_KIND, tag, number=None, sha=sha, spec={"tag": tag})
    handlers = timed_handlers(service, config.check_timeout_minutes, work)
    return await submit_release_job(webhook, service, request, handlers)
