"""The `build-container` check: `podman build` of the PR code, tagged `pr-<N>`, never pushed.

The argument vector follows `release.md` §3.2; the OCI annotations §3.3. `build_argv` and `oci_annotations`
are shared with the other container builds (build-and-push, merge and tag builds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from webhook_server.libs.checks.model import CheckCommand, CheckInputs, CheckNotRunnableError
from webhook_server.libs.config import ContainerConfig

TITLE = "Build container"


def pr_image(container: ContainerConfig, pr_number: int) -> str:
    """`<container.repository>:pr-<N>`."""
    return f"{container.repository}:pr-{pr_number}"


def build_context(worktree: Path, context: str) -> Path:
    """The build context directory; it must resolve inside the worktree."""
    root = worktree.resolve()
    resolved = (root / context).resolve()
    if resolved != root and root not in resolved.parents:
        raise CheckNotRunnableError(f"container context {context!r} resolves outside the repository")
    return resolved


def oci_annotations(
    container: ContainerConfig,
    *,
    web_base_url: str,
    full_name: str,
    revision: str,
    version: str | None = None,
    created: datetime | None = None,
) -> dict[str, str]:
    """The `--annotation` values when `oci-annotations.enabled` (empty otherwise); static entries win."""
    settings = container.oci_annotations
    if not settings.enabled:
        return {}
    prefix = "org.opencontainers.image."
    automatic = {
        f"{prefix}created": (settings.auto_created, (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")),
        f"{prefix}source": (settings.auto_source, f"{web_base_url.rstrip('/')}/{full_name}"),
        f"{prefix}revision": (settings.auto_revision, revision),
        f"{prefix}version": (settings.auto_version and version is not None, version or ""),
        f"{prefix}title": (settings.auto_title, full_name.split("/", 1)[1]),
    }
    annotations = {key: value for key, (enabled, value) in automatic.items() if enabled}
    annotations.update(settings.static)
    return annotations


def build_argv(
    container: ContainerConfig,
    worktree: Path,
    image: str,
    *,
    podman: Sequence[str] = ("podman",),
    flags: Sequence[str] = (),
    extra_args: Sequence[str] = (),
    annotations: Mapping[str, str] | None = None,
    no_cache: bool = False,
) -> tuple[str, ...]:
    """`podman build <extra> <args> [--build-arg v]... [--annotation k=v]... --network=host [--no-cache] -f ...`."""
    argv = [*podman, "build", *flags, *extra_args, *container.args]
    for value in container.build_args:
        argv += ["--build-arg", value]
    for key, value in (annotations or {}).items():
        argv += ["--annotation", f"{key}={value}"]
    argv.append("--network=host")
    if no_cache:
        argv.append("--no-cache")
    context = build_context(worktree, container.context)
    argv += ["-f", str(worktree / container.dockerfile), str(context), "-t", image]
    return tuple(argv)


def command(inputs: CheckInputs) -> CheckCommand:
    """The PR build: image `<repository>:pr-<N>`, annotations with the PR head SHA as revision."""
    container = inputs.config.container
    if container is None:
        raise CheckNotRunnableError("container is not configured for this repository")
    annotations = oci_annotations(
        container,
        web_base_url=inputs.web_base_url,
        full_name=inputs.config.full_name,
        revision=inputs.target.head_sha,
    )
    argv = build_argv(
        container,
        inputs.worktree,
        pr_image(container, inputs.target.number),
        podman=inputs.launchers.podman,
        flags=inputs.launchers.podman_build_flags,
        annotations=annotations,
    )
    return CheckCommand(
        title=TITLE, argv=argv, cwd=inputs.worktree, timeout_minutes=inputs.config.check_timeout_minutes
    )
