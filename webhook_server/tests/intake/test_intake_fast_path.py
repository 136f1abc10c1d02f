"""`IntakeFirstApp` answers `POST /webhook_server` itself and hands every other request to FastAPI.

The app under test declares no intake route, so a request the fast path does not serve gets the router's
404: the table shows which requests the fast path takes.
"""

import json
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI

from webhook_server.libs.pipeline.intake import AcceptedDelivery
from webhook_server.libs.runtime.ip_allowlist import AllowlistSources, IpAllowlist
from webhook_server.utils.signature import sign_body
from webhook_server.web.intake import IntakeFirstApp, router

SECRET = "fast-path-secret"
BODY = json.dumps({"action": "opened", "repository": {"name": "a", "full_name": "org/a"}}).encode()


@dataclass(frozen=True)
class _Settings:
    webhook_secret: str | None = SECRET


@dataclass
class _RecordingSink:
    accepted: list[AcceptedDelivery] = field(default_factory=list)

    async def accept(self, delivery: AcceptedDelivery) -> bool:
        self.accepted.append(delivery)
        return True


def _with_intake_state(app: FastAPI, sink: _RecordingSink, rejected: list[int]) -> FastAPI:
    """`app` with what intake reads from the application state: no allowlist, the secret, the sink."""
    app.state.ip_allowlist = IpAllowlist(AllowlistSources(github_meta_url=None, cloudflare_url=None))
    app.state.config_provider = _Settings
    app.state.delivery_sink = sink
    app.state.on_rejected = rejected.append
    return app


def _app_without_intake_route(sink: _RecordingSink, rejected: list[int]) -> FastAPI:
    return _with_intake_state(IntakeFirstApp(), sink, rejected)


def _headers(delivery: str) -> dict[str, str]:
    return {
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign_body(SECRET, BODY),
    }


@pytest.mark.parametrize(
    ("method", "path", "served"),
    [
        pytest.param("POST", "/webhook_server", True, id="post"),
        pytest.param("POST", "/webhook_server/", True, id="post-trailing-slash"),
        pytest.param("GET", "/webhook_server", False, id="get-goes-to-the-app"),
        pytest.param("PUT", "/webhook_server", False, id="put-goes-to-the-app"),
        pytest.param("POST", "/webhook_server/healthcheck", False, id="other-path"),
        pytest.param("POST", "/webhook_serverx", False, id="prefix-only"),
    ],
)
async def test_fast_path_serves_only_intake_posts(method: str, path: str, served: bool) -> None:
    sink, rejected = _RecordingSink(), list[int]()
    transport = httpx.ASGITransport(app=_app_without_intake_route(sink, rejected))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.request(method, path, content=BODY, headers=_headers("d-1"))
    if served:
        assert response.status_code == 200
        assert response.json() == {
            "status": 200,
            "message": "Webhook queued for processing",
            "delivery_id": "d-1",
            "event_type": "pull_request",
        }
        assert [(delivery.header_delivery_id, delivery.event) for delivery in sink.accepted] == [
            ("d-1", "pull_request")
        ]
    else:
        assert response.status_code == 404
        assert sink.accepted == []


async def test_fast_path_rejections_are_counted() -> None:
    sink, rejected = _RecordingSink(), list[int]()
    transport = httpx.ASGITransport(app=_app_without_intake_route(sink, rejected))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/webhook_server", content=BODY, headers={"X-GitHub-Event": "push"})
    assert (response.status_code, response.json()) == (403, {"detail": "x-hub-signature-256 header is missing!"})
    assert (rejected, sink.accepted) == ([403], [])


def _app_with_declared_route(sink: _RecordingSink, rejected: list[int]) -> FastAPI:
    """A plain FastAPI app with the intake router: the declared route answers, not the fast path."""
    app = FastAPI()
    app.include_router(router)
    return _with_intake_state(app, sink, rejected)


async def _answer(app: FastAPI, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, list[tuple[str, str]]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/webhook_server", content=body, headers=headers)
    return response.status_code, response.content, sorted(response.headers.items())


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        pytest.param(BODY, _headers("d-2"), id="accepted"),
        pytest.param(BODY, {"X-GitHub-Event": "push"}, id="unsigned"),
        pytest.param(b"{", {"X-GitHub-Event": "push", "X-Hub-Signature-256": sign_body(SECRET, b"{")}, id="not-json"),
        pytest.param(BODY, {"X-Hub-Signature-256": sign_body(SECRET, BODY)}, id="no-event"),
    ],
)
async def test_fast_path_answers_as_the_declared_route(body: bytes, headers: dict[str, str]) -> None:
    fast_sink, declared_sink = _RecordingSink(), _RecordingSink()
    fast_rejected, declared_rejected = list[int](), list[int]()
    fast = await _answer(_app_without_intake_route(fast_sink, fast_rejected), body, headers)
    declared = await _answer(_app_with_declared_route(declared_sink, declared_rejected), body, headers)
    assert fast == declared
    assert fast_rejected == declared_rejected
    assert fast_sink.accepted == declared_sink.accepted
