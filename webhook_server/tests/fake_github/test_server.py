"""The fake's server lifecycle: fast start on a free port, cheap per-test reset."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.server import FakeGitHubServer


def test_server_starts_quickly_on_a_free_loopback_port(tmp_path: Path) -> None:
    started = time.monotonic()
    server = FakeGitHubServer(tmp_path)
    server.start()
    elapsed = time.monotonic() - started
    try:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert elapsed < 1.0
        assert httpx.get(f"{server.base_url}/meta").json()["hooks"] == ["127.0.0.0/8", "::1/128"]
    finally:
        server.stop()


def test_reset_forgets_everything_a_test_created(fake_github: FakeGitHub, fake_github_server: FakeGitHubServer) -> None:
    fake_github.create_repo("o/r", {"a": "b"})
    token = fake_github.create_token("o")
    fake_github.register_hook("o/r", "")
    fake_github.create_issue("o/r", "t")
    fake_github.fail_next(5, 500)
    old_git_root = fake_github_server.backend.git_root
    assert old_git_root.exists()
    fake_github_server.backend.reset()
    fresh = FakeGitHub(fake_github_server.backend)
    assert fresh.request_log == []
    assert fresh.deliveries() == []
    assert not old_git_root.exists()
    response = httpx.get(f"{fresh.base_url}/repos/o/r")
    assert response.status_code == 404
    assert httpx.get(f"{fresh.base_url}/user", headers={"Authorization": f"token {token}"}).status_code == 401
