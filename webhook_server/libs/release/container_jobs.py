"""The container build-and-push triggers as jobs (`release.md` §3.1): `/build-and-push-container` (PR head
with base merged, tag `pr-<N>`), a merged PR (base tip, `--no-cache`), and a tag push (`container.release`).
PR builds report on the PR and to Slack; tag builds to Slack only."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from webhook_server.libs.checks.execution import job_secrets
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.git.process import GitError
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.release.containers import (
    ContainerOutcome,
    ContainerPublisher,
    ImageBuild,
    failure_comment,
    image_reference,
    merged_image_tag,
    published_comment,
    slack_text,
)
from webhook_server.libs.release.release_jobs import Work, release_request, submit_release_job, timed_handlers
from webhook_server.libs.release.repo_api import RepositoryApi
from webhook_server.libs.release.service import ReleaseService, release_service
from webhook_server.libs.release.slack import send_slack
from webhook_server.libs.release.source_trees import branch_tree, pull_tree, tag_tree
from webhook_server.libs.release.worktree_git import GitAccess

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

CONTAINER_JOB_KIND = "container"


class ContainerBuilds:
    """The container builds of one repository, with its access, config and secrets."""

    def __init__(self, service: ReleaseService, repo: RepositoryContext, config: RepositoryConfig) -> None:
        self.service = service
        self.repo = repo
        self.config = config
        self.access = GitAccess.of(repo)
        self.publisher = ContainerPublisher(service, config, repo.full_name, job_secrets(config, self.access.token))
        self.mirror = service.mirrors.mirror(repo.full_name)

    def _checkout_failed(self, error: GitError) -> ContainerOutcome:
        LOGGER.error("Could not prepare the container build tree: %s", error)
        return ContainerOutcome("checkout", self.publisher.masked(error.output or str(error)))

    async def pull_image(
        self, pull: PullSnapshot, image: str, extra_args: Sequence[str], delivery_id: str | None
    ) -> ContainerOutcome:
        """Build and push the PR code (head with base merged)."""
        build = ImageBuild(image, pull.head_sha, extra_args=tuple(extra_args))
        try:
            async with pull_tree(self.mirror, self.access, pull, delivery_id) as path:
                return await self.publisher.publish(path, build)
        except GitError as error:
            return self._checkout_failed(error)

    async def branch_image(self, branch: str, tag: str, delivery_id: str | None) -> tuple[str, ContainerOutcome]:
        """Build (no cache) and push the branch tip as `<repository>:<tag>`."""
        image = image_reference(self.publisher.container, tag)
        try:
            async with branch_tree(self.mirror, self.access, branch, delivery_id) as (path, sha):
                return image, await self.publisher.publish(path, ImageBuild(image, sha, no_cache=True))
        except GitError as error:
            return image, self._checkout_failed(error)

    async def tag_image(self, tag: str, delivery_id: str | None) -> ContainerOutcome:
        """Build and push the tagged commit as `<repository>:<tag>`; Slack hears how it went."""
        image = image_reference(self.publisher.container, tag)
        try:
            async with tag_tree(self.mirror, self.access, tag, delivery_id) as (path, sha):
                outcome = await self.publisher.publish(path, ImageBuild(image, sha, version=tag))
        except GitError as error:
            outcome = self._checkout_failed(error)
        await send_slack(self.config.slack_webhook_url, slack_text(self.repo.full_name, image, outcome))
        return outcome

    async def report_on_pull(self, number: int, image: str, outcome: ContainerOutcome) -> bool:
        """A PR comment and a Slack message; returns whether the image was published."""
        body = published_comment(image) if outcome.published else failure_comment(image, outcome)
        await RepositoryApi(self.repo).comment(number, body)
        await send_slack(self.config.slack_webhook_url, slack_text(self.repo.full_name, image, outcome))
        return outcome.published


async def _submit(
    webhook: GithubWebhook, service: ReleaseService, name: str, pull: PullSnapshot, work: Work
) -> int | None:
    request = release_request(webhook, CONTAINER_JOB_KIND, name, number=pull.number, sha=pull.head_sha, spec={})
    handlers = timed_handlers(service, webhook.repo_config.check_timeout_minutes, work)
    return await submit_release_job(webhook, service, request, handlers)


async def request_build_and_push(webhook: GithubWebhook, pull: PullSnapshot, extra_args: Sequence[str]) -> int | None:
    """`/build-and-push-container`: a job that builds the PR code as `pr-<N>`, pushes it and reports it."""
    service = release_service(webhook)
    builds = ContainerBuilds(service, webhook.repo_context, webhook.repo_config)
    image = image_reference(builds.publisher.container, f"pr-{pull.number}")
    delivery_id = webhook.delivery.delivery_id

    async def work() -> bool:
        outcome = await builds.pull_image(pull, image, extra_args, delivery_id)
        return await builds.report_on_pull(pull.number, image, outcome)

    return await _submit(webhook, service, "build-and-push", pull, work)


async def schedule_merged_build(webhook: GithubWebhook, pull: PullSnapshot) -> int | None:
    """A merged PR: build the base branch tip with `--no-cache`, push it, report on the PR and to Slack."""
    container = webhook.repo_config.container
    if container is None:
        return None
    service = release_service(webhook)
    builds = ContainerBuilds(service, webhook.repo_context, webhook.repo_config)
    tag = merged_image_tag(container, pull.base_ref)
    delivery_id = webhook.delivery.delivery_id

    async def work() -> bool:
        image, outcome = await builds.branch_image(pull.base_ref, tag, delivery_id)
        return await builds.report_on_pull(pull.number, image, outcome)

    return await _submit(webhook, service, f"merged:{tag}", pull, work)
