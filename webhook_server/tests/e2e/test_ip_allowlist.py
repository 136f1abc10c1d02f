"""Source-IP allowlist: GitHub's `hooks` networks from `<github-api-url>/meta`, failing closed."""

import json
from pathlib import Path

import httpx
import pytest

from webhook_server.tests.e2e.conftest import GithubBackedServers
from webhook_server.tests.e2e.harness import InProcessServer, server_config, write_data_dir
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.utils.signature import sign_body

BODY = json.dumps({"repository": {"name": "r", "full_name": "o/r"}}).encode()


def _headers(forwarded_for: str | None) -> dict[str, str]:
    headers = {"X-GitHub-Event": "ping", "X-Hub-Signature-256": sign_body("e2e-webhook-secret", BODY)}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return headers


@pytest.mark.parametrize(
    ("forwarded_for", "status", "detail"),
    [
        (None, 200, None),
        ("127.0.0.9", 200, None),
        ("203.0.113.9", 403, "203.0.113.9 IP is not a valid ip in allowlist IPs"),
        ("2001:db8::1", 403, "2001:db8::1 IP is not a valid ip in allowlist IPs"),
    ],
    ids=["loopback-peer", "forwarded-inside", "forwarded-outside", "forwarded-ipv6-outside"],
)
async def test_github_hook_networks_gate_intake(
    fake_github: FakeGitHub,
    github_servers: GithubBackedServers,
    forwarded_for: str | None,
    status: int,
    detail: str | None,
) -> None:
    server = github_servers.start({"r": {"name": "o/r"}}, [fake_github.create_token("bot")], verify_github_ips=True)
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        response = await client.post("/webhook_server", content=BODY, headers=_headers(forwarded_for))
        health = await client.get("/webhook_server/healthcheck", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == status
    if detail is not None:
        assert response.json() == {"detail": detail}
    assert health.status_code == 200  # the allowlist applies only to the intake


def test_allowlist_that_cannot_load_fails_startup(tmp_path: Path, throwaway_private_key: str) -> None:
    config = server_config("http://127.0.0.1:9", ["ghp_x"], 1, {"r": {"name": "o/r"}}, verify_github_ips=True)
    write_data_dir(tmp_path / "data", config, throwaway_private_key)
    server = InProcessServer(tmp_path / "data")
    with pytest.raises(RuntimeError, match="did not start"):
        server.start()
    server.stop()
