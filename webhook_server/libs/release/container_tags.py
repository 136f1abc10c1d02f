"""Deleting a PR's `pr-<N>` image tag when the PR closes (`release.md` §3.4).

Only when `container.repository` names a registry host. For `ghcr.io`: the GitHub packages API (organisation,
then user), the version whose tags hold `pr-<N>` is deleted; errors are logged only. For other registries:
`skopeo login` into a temporary auth file, `skopeo list-tags`, `skopeo delete` (the spec names `regctl`, which
is not required); a failed login is reported on the PR so the tag is removed by hand.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from github import UnknownObjectException

from webhook_server.libs.checks.execution import job_secrets
from webhook_server.libs.config import ContainerConfig, RepositoryConfig
from webhook_server.libs.github.pages import get_all_pages
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.release.podman import ToolRunner
from webhook_server.libs.release.registry import has_registry_host, registry_host, registry_login
from webhook_server.libs.release.release_jobs import release_request, submit_release_job, timed_handlers
from webhook_server.libs.release.repo_api import GithubErrors, RepositoryApi, rest
from webhook_server.libs.release.service import ReleaseService, release_service
from webhook_server.libs.release.worktree_git import GitAccess

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

TAG_CLEANUP_JOB_KIND = "container-tag-delete"
GHCR_HOST = "ghcr.io"


def removed_comment(image: str) -> str:
    return f"Removed the PR image tag `{image}`."


def manual_removal_comment(image: str) -> str:
    return f"The PR image tag `{image}` could not be deleted (registry login failed); please remove it by hand."


def ghcr_package(repository: str) -> tuple[str, str]:
    """(owner, URL-encoded package name) of a `ghcr.io/<owner>/<package...>` repository."""
    _, owner, package = repository.split("/", 2)
    return owner, quote(package, safe="")


def version_with_tag(versions: list[dict[str, Any]], tag: str) -> int | None:
    """The id of the package version whose container tags include `tag`."""
    for version in versions:
        if tag in ((version.get("metadata") or {}).get("container") or {}).get("tags", []):
            version_id: int = version["id"]
            return version_id
    return None


class TagCleanup:
    """Deletes one PR's image tag from the configured registry."""

    def __init__(self, service: ReleaseService, repo: RepositoryContext, config: RepositoryConfig) -> None:
        assert config.container is not None, "tag cleanup needs `container`"
        self.container: ContainerConfig = config.container
        self.service = service
        self.api = RepositoryApi(repo)
        secrets = job_secrets(config, GitAccess.of(repo).token)
        self.runner = ToolRunner.of(service, config, secrets)

    async def delete(self, number: int) -> bool:
        """Delete `pr-<number>`; True when a tag was deleted."""
        tag = f"pr-{number}"
        image = f"{self.container.repository}:{tag}"
        if registry_host(self.container.repository) == GHCR_HOST:
            deleted = await self._delete_ghcr(tag)
        else:
            deleted = await self._delete_from_registry(number, image)
        if deleted:
            await self.api.comment(number, removed_comment(image))
        return deleted

    async def _delete_ghcr(self, tag: str) -> bool:
        owner, package = ghcr_package(self.container.repository)
        for scope in ("orgs", "users"):
            url = f"/{scope}/{owner}/packages/container/{package}/versions"
            try:
                version_id = version_with_tag(await get_all_pages(self.api.github, url), tag)
                if version_id is None:
                    LOGGER.info("No ghcr.io package version tagged %s", tag)
                    return False
                await rest(self.api.github, "DELETE", f"{url}/{version_id}")
            except UnknownObjectException:
                continue
            except GithubErrors as error:
                LOGGER.error("Could not delete the ghcr.io image tag %s: %s", tag, error)
                return False
            LOGGER.info("Deleted ghcr.io package version %d (%s)", version_id, tag)
            return True
        LOGGER.warning("No ghcr.io package %s/%s found", owner, package)
        return False

    async def _delete_from_registry(self, number: int, image: str) -> bool:
        skopeo = self.service.tools.skopeo
        login_argv = (*skopeo, "login", *self.service.tools.registry_flags)
        async with registry_login(self.runner, login_argv, self.container, self.service.data_dir) as login:
            if not login.succeeded:
                LOGGER.error("Registry login failed; %s not deleted: %s", image, login.output)
                await self.api.comment(number, manual_removal_comment(image))
                return False
            auth = ("--authfile", str(login.authfile), *self.service.tools.registry_flags)
            if f"pr-{number}" not in await self._tags(auth):
                LOGGER.info("Image tag %s not found; nothing to delete", image)
                return False
            deleted = await self.runner.run([*skopeo, "delete", *auth, f"docker://{image}"], cwd=self.service.data_dir)
        if not deleted.succeeded:
            LOGGER.error("Could not delete %s: %s", image, deleted.stderr.strip())
        return deleted.succeeded

    async def _tags(self, auth: tuple[str, ...]) -> list[str]:
        """The repository's tags (none when listing fails, for example for a repository never pushed)."""
        argv = [*self.service.tools.skopeo, "list-tags", *auth, f"docker://{self.container.repository}"]
        listed = await self.runner.run(argv, cwd=self.service.data_dir)
        if not listed.succeeded:
            LOGGER.info("Could not list the tags of %s: %s", self.container.repository, listed.stderr.strip())
            return []
        tags: list[str] = json.loads(listed.stdout).get("Tags") or []
        return tags


async def delete_pr_image_tag(webhook: GithubWebhook, pull: PullSnapshot) -> int | None:
    """On close: a job that deletes `pr-<N>` (only with `container` and a registry host in its repository)."""
    config = webhook.repo_config
    if config.container is None or not has_registry_host(config.container.repository):
        return None
    service = release_service(webhook)
    cleanup = TagCleanup(service, webhook.repo_context, config)

    async def work() -> bool:
        await cleanup.delete(pull.number)
        return True

    name = f"pr-{pull.number}"
    request = release_request(webhook, TAG_CLEANUP_JOB_KIND, name, number=pull.number, sha=None, spec={})
    handlers = timed_handlers(service, config.check_timeout_minutes, work)
    return await submit_release_job(webhook, service, request, handlers)
