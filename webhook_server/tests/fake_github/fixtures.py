"""Pytest fixtures that serve the fake GitHub: one server per worker, fresh state per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.server import FakeGitHubServer


@pytest.fixture(scope="session")
def fake_github_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGitHubServer]:
    """The fake GitHub's HTTP server (uvicorn on 127.0.0.1), shared by the tests of one xdist worker."""
    server = FakeGitHubServer(tmp_path_factory.mktemp("fake-github"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_github(fake_github_server: FakeGitHubServer) -> FakeGitHub:
    """A FakeGitHub with empty state: no users, repositories, hooks, faults, log or deliveries."""
    fake_github_server.backend.reset()
    return FakeGitHub(fake_github_server.backend)
