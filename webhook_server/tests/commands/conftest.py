"""Fixtures of the command tests: a recording test oracle and one command world per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from webhook_server.libs.handlers import registry
from webhook_server.libs.handlers.issue_comment import IssueCommentHandler
from webhook_server.tests.commands.oracle_server import OracleServer
from webhook_server.tests.commands.world import CommandWorld, start_world
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.server import FakeGitHubServer


@pytest.fixture(scope="module")
def oracle() -> Iterator[OracleServer]:
    server = OracleServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def command_world(
    fake_github_server: FakeGitHubServer, oracle: OracleServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CommandWorld]:
    """One server for a module's cases (each case opens its own PR); the fake is reset once at the start."""
    fake_github_server.backend.reset()
    fake = FakeGitHub(fake_github_server.backend)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(registry.HANDLERS, "issue_comment", IssueCommentHandler)
        world, process = start_world(fake, oracle, tmp_path_factory.mktemp("commands") / "data")
        try:
            yield world
        finally:
            process.stop()
