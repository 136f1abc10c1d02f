"""Fixtures of the release tests: real registries, a PyPI server and a Slack receiver per module, container
storage with a local base image, and one release world (server + fake GitHub) per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from webhook_server.libs.github import api_call, transport
from webhook_server.libs.github.pacer import PacerLimits
from webhook_server.tests.checks.test_builtin_checks import container_storage
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.server import FakeGitHubServer
from webhook_server.tests.release.servers import PypiServer, Registry, SlackReceiver
from webhook_server.tests.release.world import REGISTRY_PASSWORD, REGISTRY_USER, ReleaseWorld, Servers, start_world

__all__ = ["container_storage", "release_servers", "release_world", "slack"]


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackReceiver]:
    receiver = SlackReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def release_servers(tmp_path_factory: pytest.TempPathFactory, slack: SlackReceiver) -> Iterator[Servers]:
    root = tmp_path_factory.mktemp("release-servers")
    registry = Registry(root / "registry").start()
    locked = Registry(root / "locked", user=REGISTRY_USER, password=REGISTRY_PASSWORD).start()
    pypi = PypiServer(root / "packages").start()
    try:
        yield Servers(registry=registry, locked_registry=locked, pypi=pypi, slack=slack)
    finally:
        for server in (registry, locked, pypi):
            server.stop()


@pytest.fixture(scope="module")
def release_world(
    fake_github_server: FakeGitHubServer,
    release_servers: Servers,
    container_storage: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ReleaseWorld]:
    """One server per module; the fake is reset at the start; each test opens its own PRs."""
    fake_github_server.backend.reset()
    fake = FakeGitHub(fake_github_server.backend)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transport.PACER, "limits", PacerLimits(writes_per_minute=60000.0, write_burst=1000))
        api_call.configure(policy=api_call.RetryPolicy(time_scale=0.001))
        world, process = start_world(
            fake, release_servers, container_storage, tmp_path_factory.mktemp("release") / "data"
        )
        try:
            yield world
        finally:
            process.stop()
            api_call.configure(policy=api_call.RetryPolicy())
