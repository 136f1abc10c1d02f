"""The server against GitHub Enterprise Server's layout: `github-api-url` ends in `/api/v3`, GraphQL is
at `/api/graphql` and git is served from the same host's root. The fake answers nothing else, so any
URL the server derived wrongly shows up as an unrouted request."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from webhook_server.tests.checks.test_builtin_checks import TOX_INI
from webhook_server.tests.e2e.conftest import GithubBackedServers
from webhook_server.tests.e2e.harness import WEBHOOK_SECRET
from webhook_server.tests.e2e.test_builtin_checks_by_delivery import uvx_on_path
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.server import FakeGitHubServer

__all__ = ["uvx_on_path"]

REPO = "corp/service"


@pytest.fixture
def enterprise_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGitHubServer]:
    server = FakeGitHubServer(tmp_path_factory.mktemp("fake-ghes"), enterprise=True)
    server.start()
    yield server
    server.stop()


async def test_a_pr_is_processed_against_an_enterprise_layout(
    enterprise_server: FakeGitHubServer, tmp_path: Path, uvx_on_path: dict[str, Any]
) -> None:
    fake = FakeGitHub(enterprise_server.backend)
    assert fake.base_url.endswith("/api/v3")
    fake.create_repo(REPO, {"README.md": "x\n", "tox.ini": TOX_INI}, collaborators={"bot-user": "admin"})
    fake.install_app(REPO)
    servers = GithubBackedServers(fake, tmp_path)
    try:
        server = servers.start(
            {"service": {"name": REPO, "tox": {"main": "ok"}, "conversation-resolution-required": True}},
            [fake.create_token("bot-user")],
            sandbox=uvx_on_path,
        )
        fake.register_hook(REPO, "", secret=WEBHOOK_SECRET, events=["pull_request"])  # record, do not send
        number = fake.open_pr(REPO, head="feature", base="main", title="feat: x", files={"x.py": "x = 1\n"})
        fake.wait_for_deliveries_sent()
        [opened] = fake.deliveries("pull_request", action="opened")
        row = await server.deliver("pull_request", opened.payload, timeout=120)
    finally:
        servers.stop_all()

    assert row.status == "succeeded", row
    assert enterprise_server.mount is not None
    assert enterprise_server.mount.unrouted == []
    head_sha = fake.pull(REPO, number)["head"]["sha"]
    [tox] = fake.check_runs(REPO, head_sha, name="tox")
    assert (tox["status"], tox["conclusion"]) == ("completed", "success")  # the PR was fetched over git
    assert "tox-env-ok" in tox["output"]["text"]
    assert {"size/XS", "branch-main"} <= set(fake.labels(REPO, number))
    assert any(comment["user"]["login"] == "bot-user" for comment in fake.comments(REPO, number))
    kinds = {record.kind for record in fake.calls(include_git=True)}
    assert {"api", "graphql", "git"} <= kinds, kinds
