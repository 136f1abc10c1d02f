"""Container build and push (`release.md` §3.1–§3.3): `podman build` with the allow-listed comment arguments,
the configured arguments and OCI annotations, then `podman push` with a temporary auth file. The source tree
is prepared by the caller; the outcome says which stage failed and with what output."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from webhook_server.libs.checks.build_container import build_argv, oci_annotations
from webhook_server.libs.checks.model import CheckNotRunnableError
from webhook_server.libs.config import ContainerConfig, RepositoryConfig
from webhook_server.libs.release.podman import ToolRunner, command_output
from webhook_server.libs.release.registry import registry_login
from webhook_server.libs.release.service import ReleaseService
from webhook_server.libs.rules.check_output import cut_middle
from webhook_server.utils.ansi import strip_ansi
from webhook_server.utils.masking import mask_secret_values

LOGGER = logging.getLogger(__name__)

COMMENT_OUTPUT_LIMIT = 60000
MAIN_BRANCHES = ("main", "master")


def merged_image_tag(container: ContainerConfig, base_ref: str) -> str:
    """The tag of a merge build: `container.tag` for `main`/`master`, else the base branch name."""
    return container.tag if base_ref in MAIN_BRANCHES else base_ref


def image_reference(container: ContainerConfig, tag: str) -> str:
    """`<container.repository>:<tag>`."""
    return f"{container.repository}:{tag}"


@dataclass(frozen=True)
class ImageBuild:
    """One image to build and push: its reference, the revision and version for annotations, extra options."""

    image: str
    revision: str
    version: str | None = None
    extra_args: tuple[str, ...] = ()
    no_cache: bool = False


@dataclass(frozen=True)
class ContainerOutcome:
    """`published`, or the failed stage (`build`, `login`, `push`) with the tool's masked output."""

    stage: str
    output: str = ""

    @property
    def published(self) -> bool:
        return self.stage == "published"


class ContainerPublisher:
    """Builds and pushes images of one repository."""

    def __init__(self, service: ReleaseService, config: RepositoryConfig, full_name: str, secrets: Sequence[str]):
        assert config.container is not None, "container builds need `container`"
        self.container: ContainerConfig = config.container
        self.service = service
        self.full_name = full_name
        self.secrets = tuple(secrets)
        self.runner = ToolRunner.of(service, config, self.secrets)

    def masked(self, output: str) -> str:
        """Tool output fit for a comment: no colours, no secrets, at most `COMMENT_OUTPUT_LIMIT` characters."""
        return cut_middle(mask_secret_values(strip_ansi(output), self.secrets), COMMENT_OUTPUT_LIMIT)

    def build_argv(self, worktree: Path, build: ImageBuild) -> tuple[str, ...]:
        """The `podman build` vector (`CheckNotRunnableError` when the context leaves the worktree)."""
        annotations = oci_annotations(
            self.container,
            web_base_url=self.service.web_base_url,
            full_name=self.full_name,
            revision=build.revision,
            version=build.version,
        )
        tools = self.service.tools
        return build_argv(
            self.container,
            worktree,
            build.image,
            podman=tools.podman,
            flags=tools.podman_build_flags,
            extra_args=build.extra_args,
            annotations=annotations,
            no_cache=build.no_cache,
        )

    async def publish(self, worktree: Path, build: ImageBuild) -> ContainerOutcome:
        """Build, then push; the first failing stage ends it."""
        try:
            argv = self.build_argv(worktree, build)
        except CheckNotRunnableError as error:
            return ContainerOutcome("build", str(error))
        built = await self.runner.run(argv, cwd=worktree)
        if not built.succeeded:
            return ContainerOutcome("build", self.masked(command_output(built)))
        return await self.push(worktree, build.image)

    async def push(self, cwd: Path, image: str) -> ContainerOutcome:
        """`podman login` into a temporary auth file, then `podman push --authfile`."""
        tools = self.service.tools
        login_argv = (*tools.podman, "login", *tools.registry_flags)
        async with registry_login(self.runner, login_argv, self.container, cwd) as login:
            if not login.succeeded:
                return ContainerOutcome("login", self.masked(login.output))
            argv = [*tools.podman, "push", *tools.registry_flags, "--authfile", str(login.authfile), image]
            pushed = await self.runner.run(argv, cwd=cwd)
        if not pushed.succeeded:
            return ContainerOutcome("push", self.masked(command_output(pushed)))
        LOGGER.info("Pushed container image %s", image)
        return ContainerOutcome("published")


def published_comment(image: str) -> str:
    return f"New container image published: `{image}`"


def failure_comment(image: str, outcome: ContainerOutcome) -> str:
    return f"Container image `{image}` was not published: the {outcome.stage} failed.\n\n```\n{outcome.output}\n```"


def slack_text(full_name: str, image: str, outcome: ContainerOutcome) -> str:
    if outcome.published:
        return f"{full_name}: new container image published: {image}"
    return f"{full_name}: container image {image} was not published ({outcome.stage} failed)"
