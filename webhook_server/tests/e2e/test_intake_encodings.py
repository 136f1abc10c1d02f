"""Intake of signed bodies a hostile or unusual sender can produce: JSON nested at any depth, and hooks
configured with `application/x-www-form-urlencoded` (GitHub puts the JSON in the `payload` field and
signs the raw form body)."""

import json
import uuid
from urllib.parse import urlencode

import httpx
import pytest

from webhook_server.tests.e2e.harness import WEBHOOK_SECRET, RunningServer
from webhook_server.utils.signature import sign_body
from webhook_server.web.intake_checks import MAX_JSON_DEPTH

REPOSITORY = {"name": "elsewhere", "full_name": "other-org/elsewhere"}
FORM = "application/x-www-form-urlencoded"


async def _post(server: RunningServer, body: bytes, content_type: str, delivery: str | None = None) -> httpx.Response:
    headers = {
        "X-GitHub-Event": "issues",
        "Content-Type": content_type,
        "X-Hub-Signature-256": sign_body(WEBHOOK_SECRET, body),
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
    }
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        return await client.post("/webhook_server", content=body, headers=headers)


def _nested(depth: int) -> bytes:
    return b'{"repository": ' + json.dumps(REPOSITORY).encode() + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    "depth", [1_001, 100_000, 10_000_000], ids=["above-recursion-limit", "hundred-thousand", "ten-million"]
)
async def test_json_nested_beyond_the_limit_is_refused_with_400(offline_server: RunningServer, depth: int) -> None:
    response = await _post(offline_server, _nested(depth), "application/json")
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid JSON payload"})


async def test_unbalanced_deep_json_is_refused_with_400(offline_server: RunningServer) -> None:
    body = b'{"repository": ' + json.dumps(REPOSITORY).encode() + b', "deep": ' + b"[{" * 50_000
    response = await _post(offline_server, body, "application/json")
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid JSON payload"})


async def test_nesting_up_to_the_limit_and_brackets_inside_strings_are_accepted(
    offline_server: RunningServer,
) -> None:
    depth = MAX_JSON_DEPTH - 1  # the payload object itself is one level
    delivery = str(uuid.uuid4())
    body = _nested(depth)[:-1] + b', "title": ' + json.dumps("[" * 5_000 + '\\"{').encode() + b"}"
    response = await _post(offline_server, body, "application/json", delivery)
    assert response.status_code == 200, response.text
    row = await offline_server.wait_finished(delivery)
    assert (row.status, row.outcome) == ("succeeded", "skipped:event-not-handled")


async def test_form_encoded_delivery_is_accepted_and_processed(offline_server: RunningServer) -> None:
    payload = {"action": "opened", "repository": REPOSITORY, "text": "a+b & c=d é"}
    body = urlencode({"payload": json.dumps(payload)}).encode()
    delivery = str(uuid.uuid4())
    response = await _post(offline_server, body, f"{FORM}; charset=utf-8", delivery)
    assert (response.status_code, response.json()["message"]) == (200, "Webhook queued for processing")
    row = await offline_server.wait_finished(delivery)
    assert (row.status, row.outcome) == ("succeeded", "skipped:event-not-handled")


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (b"payload=%7Bnot-json", 400, "Invalid JSON payload"),
        (b"other=1", 400, "Invalid JSON payload"),
        (b"payload=%5B1%5D", 400, "Invalid JSON payload"),
        (b"payload=%7B%7D&payload=%7B%7D", 400, "Invalid JSON payload"),
        (b"payload=%7B%22a%22%3A1%7D", 400, "Missing repository in payload"),
        (b"payload=%ff%fe", 400, "Invalid JSON payload"),
    ],
    ids=["not-json", "no-payload-field", "array", "two-payload-fields", "no-repository", "not-utf8"],
)
async def test_malformed_form_bodies_are_refused(
    offline_server: RunningServer, body: bytes, status: int, detail: str
) -> None:
    response = await _post(offline_server, body, FORM)
    assert (response.status_code, response.json()) == (status, {"detail": detail})


async def test_form_signature_covers_the_raw_body(offline_server: RunningServer) -> None:
    payload = json.dumps({"repository": REPOSITORY})
    signed = urlencode({"payload": payload}).encode()
    sent = urlencode({"payload": payload.replace("elsewhere", "tampered")}).encode()
    headers = {
        "X-GitHub-Event": "issues",
        "Content-Type": FORM,
        "X-Hub-Signature-256": sign_body(WEBHOOK_SECRET, signed),
    }
    async with httpx.AsyncClient(base_url=offline_server.base_url) as client:
        response = await client.post("/webhook_server", content=sent, headers=headers)
    assert (response.status_code, response.json()) == (403, {"detail": "Request signatures didn't match!"})
