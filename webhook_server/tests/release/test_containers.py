"""Container builds and pushes end to end (`release.md` §3): real podman builds from a local base image,
pushes to real registries (open and with basic auth) through a temporary auth file, `pr-<N>` tag deletion
with skopeo and through the fake's packages API, PR comments and Slack messages."""

from __future__ import annotations

import json
import subprocess

from webhook_server.tests.release.servers import Registry
from webhook_server.tests.release.world import (
    AUTHOR,
    GHCR,
    IMAGES,
    LOCKED,
    MAINTAINER,
    REGISTRY_PASSWORD,
    WRONG_LOGIN,
    ReleaseWorld,
)


def _history(registry: Registry, repository: str, tag: str) -> str:
    argv = [
        "skopeo",
        "inspect",
        "--config",
        "--tls-verify=false",
        *registry._creds(),
        f"docker://{registry.host}/{repository}:{tag}",
    ]
    config = json.loads(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)
    return "\n".join(entry.get("created_by", "") for entry in config["history"])


async def test_build_and_push_publishes_the_pr_image(release_world: ReleaseWorld) -> None:
    world = release_world
    registry = world.servers.registry
    number = world.open_pr(IMAGES, {"app.txt": "changed\n"})
    head_sha = world.fake.pull(IMAGES, number)["head"]["sha"]
    replies = await world.comment(
        IMAGES, number, "/build-and-push-container --build-arg EXTRA=commented", author=AUTHOR
    )
    image = f"{registry.host}/org/images:pr-{number}"
    assert replies == [f"New container image published: `{image}`"]
    assert f"pr-{number}" in registry.tags("org/images")
    manifest = registry.inspect("org/images", f"pr-{number}")
    assert manifest["annotations"]["org.opencontainers.image.revision"] == head_sha
    assert manifest["annotations"]["org.opencontainers.image.source"] == f"{world.fake.base_url}/{IMAGES}"
    history = _history(registry, "org/images", f"pr-{number}")
    assert "FLAVOUR=configured" in history
    assert "EXTRA=commented" in history
    assert f"{IMAGES}: new container image published: {image}" in world.servers.slack.texts()


async def test_a_failed_build_is_reported_with_its_output(release_world: ReleaseWorld) -> None:
    world = release_world
    number = world.open_pr(IMAGES, {"Dockerfile": "FROM scratch\nRUN exit 3\n"})
    [reply] = await world.comment(IMAGES, number, "/build-and-push-container", author=AUTHOR)
    image = f"{world.servers.registry.host}/org/images:pr-{number}"
    assert reply.startswith(f"Container image `{image}` was not published: the build failed.")
    assert "```" in reply
    assert f"pr-{number}" not in world.servers.registry.tags("org/images")
    assert f"{IMAGES}: container image {image} was not published (build failed)" in world.servers.slack.texts()


async def test_a_merge_publishes_the_base_image_and_removes_the_pr_tag(release_world: ReleaseWorld) -> None:
    world = release_world
    registry = world.servers.registry
    number = world.open_pr(IMAGES, {"app.txt": "merged\n"})
    await world.comment(IMAGES, number, "/build-and-push-container", author=AUTHOR)
    assert f"pr-{number}" in registry.tags("org/images")
    await world.merge(IMAGES, number)
    merge_sha = world.fake.pull(IMAGES, number)["merge_commit_sha"]
    tags = registry.tags("org/images")
    assert "latest" in tags
    assert f"pr-{number}" not in tags
    assert registry.inspect("org/images", "latest")["annotations"]["org.opencontainers.image.revision"] == merge_sha
    comments = world.server_comments(IMAGES, number)
    assert f"Removed the PR image tag `{registry.host}/org/images:pr-{number}`." in comments
    assert f"New container image published: `{registry.host}/org/images:latest`" in comments


async def test_an_authenticated_registry_gets_pushes_and_deletes(release_world: ReleaseWorld) -> None:
    world = release_world
    registry = world.servers.locked_registry
    number = world.open_pr(LOCKED, {"app.txt": "locked\n"})
    [reply] = await world.comment(LOCKED, number, "/build-and-push-container", author=AUTHOR)
    assert reply == f"New container image published: `{registry.host}/org/locked:pr-{number}`"
    assert f"pr-{number}" in registry.tags("org/locked")
    world.fake.close(LOCKED, number, author=MAINTAINER)
    await world.deliver("pull_request", world.payload(LOCKED, "pull_request", "closed"))
    assert f"pr-{number}" not in registry.tags("org/locked")
    assert (
        world.server_comments(LOCKED, number)[-1]
        == f"Removed the PR image tag `{registry.host}/org/locked:pr-{number}`."
    )
    logs = "".join(path.read_text() for path in (world.server.data_dir / "logs").glob("*"))
    assert REGISTRY_PASSWORD not in logs


async def test_a_failed_registry_login_asks_for_manual_removal(release_world: ReleaseWorld) -> None:
    world = release_world
    number = world.open_pr(WRONG_LOGIN, {"a.txt": "a\n"})
    world.fake.close(WRONG_LOGIN, number, author=MAINTAINER)
    await world.deliver("pull_request", world.payload(WRONG_LOGIN, "pull_request", "closed"))
    image = f"{world.servers.locked_registry.host}/org/wrong:pr-{number}"
    assert world.server_comments(WRONG_LOGIN, number) == [
        f"The PR image tag `{image}` could not be deleted (registry login failed); please remove it by hand."
    ]


async def test_ghcr_pr_tags_are_deleted_through_the_packages_api(release_world: ReleaseWorld) -> None:
    world = release_world
    number = world.open_pr(GHCR, {"a.txt": "a\n"})
    world.fake.add_package_version("org", "ghcr-app", [f"pr-{number}"])
    world.fake.add_package_version("org", "ghcr-app", ["v1.0.0"])
    world.fake.close(GHCR, number, author=MAINTAINER)
    await world.deliver("pull_request", world.payload(GHCR, "pull_request", "closed"))
    remaining = [version["metadata"]["container"]["tags"] for version in world.fake.package_versions("org", "ghcr-app")]
    assert remaining == [["v1.0.0"]]
    assert world.server_comments(GHCR, number) == [f"Removed the PR image tag `ghcr.io/org/ghcr-app:pr-{number}`."]
