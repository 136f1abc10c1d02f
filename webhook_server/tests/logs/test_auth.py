"""Viewer authentication (§9): credential checks, protected paths, challenges, Origin rules, startup warning."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.requests import HTTPConnection

from webhook_server.tests.logs.viewer_app import build_app
from webhook_server.web.logs.auth import normalize_origin, origin_allowed
from webhook_server.web.viewer_auth import ViewerAuth, warn_if_unprotected


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


ALL_INTERFACES = ".".join(["0"] * 4)
BOTH = ViewerAuth(bearer_token="tok-123", basic_username="admin", basic_password="pa:ss")


@pytest.mark.parametrize(
    ("auth", "header", "accepted"),
    [
        (BOTH, "Bearer tok-123", True),
        (BOTH, "bearer tok-123", True),
        (BOTH, "Bearer tok-1234", False),
        (BOTH, basic("admin", "pa:ss"), True),
        (BOTH, basic("admin", "pa:sS"), False),
        (BOTH, basic("Admin", "pa:ss"), False),
        (BOTH, "Basic !!!not-base64", False),
        (BOTH, "Basic " + base64.b64encode(b"no-colon").decode(), False),
        (BOTH, None, False),
        (BOTH, "Token tok-123", False),
        (ViewerAuth(bearer_token="tok-123"), basic("admin", "pa:ss"), False),
        (ViewerAuth(basic_username="admin", basic_password="pa:ss"), "Bearer tok-123", False),
        (ViewerAuth(), None, True),
    ],
    ids=[
        "bearer",
        "bearer-scheme-any-case",
        "bearer-wrong",
        "basic",
        "basic-wrong-password",
        "basic-wrong-user",
        "basic-not-base64",
        "basic-no-colon",
        "missing",
        "unknown-scheme",
        "basic-when-only-bearer",
        "bearer-when-only-basic",
        "nothing-configured",
    ],
)
def test_credentials(auth: ViewerAuth, header: str | None, accepted: bool) -> None:
    assert auth.accepts(header) is accepted


@asynccontextmanager
async def client_for(
    tmp_path: Path, auth: ViewerAuth | None, *, enabled: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    app, runtime = build_app(tmp_path, auth=auth, log_server_enabled=enabled, mcp_enabled=True)
    await runtime.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://viewer") as http:
            yield http
    finally:
        await runtime.stop()


PROTECTED = [
    "/logs",
    "/logs/api/entries",
    "/logs/api/export",
    "/logs/api/workflow-steps/x",
    "/logs/api/step-logs/x/y",
    "/logs/api/pr-flow/x",
    "/metrics",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/mcp",
    "/webhook_server/explain/org/repo/1",
]


@pytest.mark.parametrize("path", PROTECTED)
async def test_protected_paths_need_credentials(tmp_path: Path, path: str) -> None:
    method = "POST" if path == "/mcp" else "GET"  # an MCP GET opens an endless event stream
    async with client_for(tmp_path, BOTH) as http:
        refused = await http.request(method, path, json={})
        allowed = await http.request(method, path, json={}, headers={"Authorization": "Bearer tok-123"})
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Not authenticated"}
    assert refused.headers["www-authenticate"] == 'Basic realm="webhook-server"'
    assert allowed.status_code != 401


@pytest.mark.parametrize("path", ["/static/css/log_viewer.css", "/webhook_server/healthcheck"])
async def test_open_paths_stay_open(tmp_path: Path, path: str) -> None:
    async with client_for(tmp_path, BOTH) as http:
        assert (await http.get(path)).status_code == 200


async def test_bearer_only_challenge(tmp_path: Path) -> None:
    async with client_for(tmp_path, ViewerAuth(bearer_token="t0k3n-xyz")) as http:
        response = await http.get("/metrics")
    assert (response.status_code, response.headers["www-authenticate"]) == (401, "Bearer")


async def test_disabled_viewer_answers_404_before_auth(tmp_path: Path) -> None:
    async with client_for(tmp_path, BOTH, enabled=False) as http:
        api = await http.get("/logs/api/entries")
        metrics = await http.get("/metrics")
    assert api.status_code == 404
    assert metrics.status_code == 401


async def test_no_auth_means_open_and_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="webhook_server.log_viewer"):
        async with client_for(tmp_path, None) as http:
            assert (await http.get("/logs/api/entries")).status_code == 200
    assert any("without authentication" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("auth", "viewer", "mcp", "bind", "warned"),
    [
        (None, True, False, None, True),
        (None, False, True, ALL_INTERFACES, True),
        (None, False, False, ALL_INTERFACES, False),
        (ViewerAuth(allowed_origins=("https://x",)), True, False, "::", True),
        (ViewerAuth(bearer_token="t0k3n-xyz"), True, True, ALL_INTERFACES, False),
        (None, True, True, "127.0.0.1", False),
        (None, True, True, "localhost", False),
        (None, True, True, "[::1]", False),
        (None, True, True, "example.internal", True),
    ],
    ids=[
        "viewer-open",
        "mcp-open",
        "both-off",
        "origins-only-is-no-auth",
        "protected",
        "loopback-v4",
        "localhost",
        "loopback-v6",
        "host-name",
    ],
)
def test_startup_warning(auth: ViewerAuth | None, viewer: bool, mcp: bool, bind: str | None, warned: bool) -> None:
    assert warn_if_unprotected(auth, log_server_enabled=viewer, mcp_enabled=mcp, bind_host=bind) is warned


@pytest.mark.parametrize(
    ("origin", "normalized"),
    [
        ("http://Example.COM", "http://example.com"),
        ("http://example.com:80", "http://example.com"),
        ("https://example.com:443/", "https://example.com"),
        ("https://example.com:8443", "https://example.com:8443"),
        ("http://[::1]:5000", "http://[::1]:5000"),
        ("null", None),
        ("http://host:99999", None),
    ],
    ids=["case", "default-http-port", "default-https-port", "custom-port", "ipv6", "opaque", "bad-port"],
)
def test_origin_normalization(origin: str, normalized: str | None) -> None:
    assert normalize_origin(origin) == normalized


def connection(headers: dict[str, str], scheme: str = "ws") -> HTTPConnection:
    raw = [(key.lower().encode(), value.encode()) for key, value in headers.items()]
    return HTTPConnection({"type": "websocket", "scheme": scheme, "path": "/logs/ws", "headers": raw})


@pytest.mark.parametrize(
    ("headers", "scheme", "allowed", "expected"),
    [
        ({"host": "viewer:5000"}, "ws", (), True),
        ({"host": "viewer:5000", "origin": "http://viewer:5000"}, "ws", (), True),
        ({"host": "viewer", "origin": "https://viewer"}, "wss", (), True),
        ({"host": "viewer", "origin": "http://viewer"}, "wss", (), False),
        ({"host": "viewer:5000", "origin": "https://evil.example"}, "ws", (), False),
        ({"host": "viewer:5000", "origin": "https://ops.example"}, "ws", ("https://OPS.example:443",), True),
        ({"host": "viewer:5000", "origin": "null"}, "ws", (), False),
    ],
    ids=["no-origin", "same-origin", "same-origin-tls", "scheme-mismatch", "foreign", "configured", "opaque"],
)
def test_origin_gate(headers: dict[str, str], scheme: str, allowed: tuple[str, ...], expected: bool) -> None:
    assert origin_allowed(connection(headers, scheme), allowed) is expected
