"""`IntakeFastPath` answers `POST /webhook_server` itself and hands every other request to the app.

The app under test declares no intake route, so a request the fast path does not serve gets the router's
404: the table shows which requests the middleware takes.
"""

import json
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI

from webhook_server.libs.pipeline.intake import AcceptedDelivery
from webhook_server.libs.runtime.ip_allowlist import AllowlistSources, IpAllowlist
from webhook_server.utils.signature import sign_body
from webhook_server.web.intake import IntakeFastPath

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


def _app_without_intake_route(sink: _RecordingSink, rejected: list[int]) -> FastAPI:
    app = FastAPI()
    app.state.ip_allowlist = IpAllowlist(AllowlistSources(github_meta_url=None, cloudflare_url=None))
    app.state.config_provider = _Settings
    app.state.delivery_sink = sink
    app.state.on_rejected = rejected.append
    app.add_middleware(IntakeFastPath)
    return app


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
