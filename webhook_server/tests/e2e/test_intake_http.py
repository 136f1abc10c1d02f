"""Intake over real HTTP: validation order, status codes and bodies, dedup and the ledger."""

import json
import uuid
from collections.abc import AsyncIterator

import httpx

from webhook_server.tests.e2e.harness import RunningServer, read_summaries
from webhook_server.utils.signature import sign_body

UNMANAGED = {"name": "elsewhere", "full_name": "other-org/elsewhere"}


def _body(**payload: object) -> bytes:
    return json.dumps({"repository": UNMANAGED, **payload}).encode()


async def _post(
    server: RunningServer, body: bytes, headers: dict[str, str], path: str = "/webhook_server"
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        return await client.post(path, content=body, headers=headers)


def _signed(body: bytes, event: str = "issues", delivery: str | None = None) -> dict[str, str]:
    headers = {"X-GitHub-Event": event, "X-Hub-Signature-256": sign_body("e2e-webhook-secret", body)}
    if delivery:
        headers["X-GitHub-Delivery"] = delivery
    return headers


async def test_accepted_delivery_answers_exact_body_and_is_recorded(offline_server: RunningServer) -> None:
    body = _body(action="opened")
    delivery = str(uuid.uuid4())
    response = await _post(offline_server, body, _signed(body, delivery=delivery))
    assert response.status_code == 200
    assert list(response.json().items()) == [
        ("status", 200),
        ("message", "Webhook queued for processing"),
        ("delivery_id", delivery),
        ("event_type", "issues"),
    ]
    row = await offline_server.wait_finished(delivery)
    assert (row.status, row.outcome) == ("succeeded", "skipped:event-not-handled")


async def test_trailing_slash_is_an_alias(offline_server: RunningServer) -> None:
    body = _body()
    response = await _post(offline_server, body, _signed(body, delivery=str(uuid.uuid4())), "/webhook_server/")
    assert response.status_code == 200


async def test_intake_route_stays_declared_behind_the_fast_path(offline_server: RunningServer) -> None:
    """`IntakeFirstApp` answers the POSTs; the route itself still serves the schema and other methods."""
    async with httpx.AsyncClient(base_url=offline_server.base_url) as client:
        wrong_method = await client.get("/webhook_server")
        schema = (await client.get("/openapi.json")).json()
    assert (wrong_method.status_code, wrong_method.headers["allow"]) == (405, "POST")
    assert "post" in schema["paths"]["/webhook_server"]


async def test_duplicate_delivery_is_acknowledged_once(offline_server: RunningServer) -> None:
    body = _body(action="opened")
    delivery = str(uuid.uuid4())
    first = await _post(offline_server, body, _signed(body, delivery=delivery))
    await offline_server.wait_finished(delivery)
    second = await _post(offline_server, body, _signed(body, delivery=delivery))
    assert first.json()["message"] == "Webhook queued for processing"
    assert second.status_code == 200
    assert second.json()["message"] == "Webhook already received"
    assert second.json()["delivery_id"] == delivery
    assert len([record for record in _summaries(offline_server) if record["hook_id"] == delivery]) == 1


def _summaries(server: RunningServer) -> list[dict[str, object]]:
    server.runtime.logs.flush()
    return read_summaries(server.data_dir)


async def test_missing_delivery_header_gets_an_internal_id(offline_server: RunningServer) -> None:
    body = _body()
    first = await _post(offline_server, body, _signed(body))
    second = await _post(offline_server, body, _signed(body))
    assert first.json()["delivery_id"] == second.json()["delivery_id"] == "unknown-delivery"
    assert first.json()["message"] == second.json()["message"] == "Webhook queued for processing"


async def test_unconfigured_repository_fails_without_traceback(offline_server: RunningServer) -> None:
    body = _body(action="opened", pull_request={"number": 1})
    delivery = str(uuid.uuid4())
    await _post(offline_server, body, _signed(body, "pull_request", delivery))
    row = await offline_server.wait_finished(delivery)
    assert row.status == "failed"
    summary = offline_server.summary_of(delivery)
    assert summary["status"] == "failed"
    assert summary["error"]["type"] == "RepositoryNotFoundInConfigError"
    assert summary["error"]["message"] == "Repository not found in configuration"
    assert summary["error"]["traceback"] == ""
    routing = summary["workflow_steps"]["webhook_routing"]
    assert routing["status"] == "failed"
    assert routing["error"] == {
        "type": "RepositoryNotFoundInConfigError",
        "message": "Repository not found in configuration",
        "traceback": "",
    }


REJECTIONS = [
    ("no-event", {}, b"{}", 400, "Missing X-GitHub-Event header"),
    ("unsigned", {"X-GitHub-Event": "push"}, _body(), 403, "x-hub-signature-256 header is missing!"),
    (
        "forged",
        {"X-GitHub-Event": "push", "X-Hub-Signature-256": sign_body("not-the-secret", _body())},
        _body(),
        403,
        "Request signatures didn't match!",
    ),
    (
        "tampered",
        {"X-GitHub-Event": "push", "X-Hub-Signature-256": sign_body("e2e-webhook-secret", _body(ref="a"))},
        _body(ref="b"),
        403,
        "Request signatures didn't match!",
    ),
    (
        "sha1-only",
        {"X-GitHub-Event": "push", "X-Hub-Signature": "sha1=0123456789abcdef0123456789abcdef01234567"},
        _body(),
        403,
        "x-hub-signature-256 header is missing!",
    ),
    (
        "not-json",
        {"X-GitHub-Event": "push", "X-Hub-Signature-256": sign_body("e2e-webhook-secret", b"{not json")},
        b"{not json",
        400,
        "Invalid JSON payload",
    ),
    (
        "array",
        {"X-GitHub-Event": "push", "X-Hub-Signature-256": sign_body("e2e-webhook-secret", b"[1]")},
        b"[1]",
        400,
        "Invalid JSON payload",
    ),
    (
        "no-repository",
        {"X-GitHub-Event": "push", "X-Hub-Signature-256": sign_body("e2e-webhook-secret", b'{"ref": "x"}')},
        b'{"ref": "x"}',
        400,
        "Missing repository in payload",
    ),
]


async def test_rejections_have_exact_status_and_detail(offline_server: RunningServer) -> None:
    for name, headers, body, status, detail in REJECTIONS:
        response = await _post(offline_server, body, headers)
        assert (response.status_code, response.json()) == (status, {"detail": detail}), name


async def test_oversized_body_is_refused_with_413(offline_server: RunningServer) -> None:
    big = b'{"repository": {"name": "a", "full_name": "b/a"}, "pad": "' + b"x" * (26_214_400 + 10) + b'"}'
    declared = await _post(offline_server, big, {"X-GitHub-Event": "push"})
    assert (declared.status_code, declared.json()) == (413, {"detail": "Payload too large"})

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(27):
            yield b"x" * 1_048_576

    async with httpx.AsyncClient(base_url=offline_server.base_url) as client:
        streamed = await client.post("/webhook_server", content=chunks(), headers={"X-GitHub-Event": "push"})
    assert (streamed.status_code, streamed.json()) == (413, {"detail": "Payload too large"})


async def test_healthcheck(offline_server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=offline_server.base_url) as client:
        response = await client.get("/webhook_server/healthcheck")
    assert response.json() == {"status": 200, "message": "Alive"}
