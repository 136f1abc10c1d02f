"""Tag pushes end to end (`release.md` §4, §3.1): the sdist built with uv at the tag, checked and uploaded with
twine to a real PyPI server (the token only in twine's environment, `--non-interactive` so a missing one
fails), installed back with pip from that index; the release image pushed; failures as one issue per tag."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from webhook_server.tests.release.world import MAINTAINER, PACKAGE, ReleaseWorld

REPOSITORY = "org/package"


async def _push_tag(world: ReleaseWorld, tag: str) -> dict[str, object]:
    world.fake.create_tag(PACKAGE, tag, author=MAINTAINER)
    payload = world.payload(PACKAGE, "push")
    assert payload["ref"] == f"refs/tags/{tag}"
    await world.deliver("push", payload)
    return payload


async def test_a_tag_is_published_to_pypi_and_as_an_image(release_world: ReleaseWorld, tmp_path: Path) -> None:
    world = release_world
    payload = await _push_tag(world, "v1.0.0")
    assert world.servers.pypi.files() == ["tiny_release_pkg-1.0.0.tar.gz"]
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-cache-dir", "--target", str(target)]
    await asyncio.to_thread(
        subprocess.run,
        [*pip, "--index-url", world.servers.pypi.simple_url, "tiny-release-pkg==1.0.0"],
        check=True,
        capture_output=True,
    )
    assert (target / "tiny_release_pkg" / "__init__.py").read_text() == "RELEASED = True\n"
    registry = world.servers.registry
    assert "v1.0.0" in registry.tags(REPOSITORY)
    annotations = registry.inspect(REPOSITORY, "v1.0.0")["annotations"]
    assert annotations["org.opencontainers.image.version"] == "v1.0.0"
    texts = world.servers.slack.texts()
    assert f"{PACKAGE} version v1.0.0 was published to PyPI" in texts
    assert f"{PACKAGE}: new container image published: {registry.host}/{REPOSITORY}:v1.0.0" in texts

    await world.deliver("push", payload)  # redelivered: uploaded again, still no issue
    assert world.servers.pypi.files() == ["tiny_release_pkg-1.0.0.tar.gz"]
    assert world.fake.issues(PACKAGE) == []


async def test_a_failed_publish_opens_one_issue_per_tag(release_world: ReleaseWorld) -> None:
    world = release_world
    world.fake.push(PACKAGE, "main", {"VERSION": None}, message="chore: lose the version")
    payload = await _push_tag(world, "v2.0.0")
    [issue] = world.fake.issues(PACKAGE)
    assert issue["title"].startswith("uv build failed:")
    assert "\n" not in issue["title"]
    assert len(issue["title"]) <= 250
    assert issue["body"].startswith("Publishing `v2.0.0` to PyPI failed.\n\n```\n")
    await world.deliver("push", payload)
    [again] = world.fake.issues(PACKAGE)
    assert again["number"] == issue["number"]
    [comment] = world.server_comments(PACKAGE, issue["number"])
    assert comment.startswith("PyPI publish of `v2.0.0` failed again.")
    assert "tiny_release_pkg-2" not in " ".join(world.servers.pypi.files())
