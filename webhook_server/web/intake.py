"""`POST /webhook_server`: validate, persist, answer. Never calls GitHub; processing happens later.

`IntakeFirstApp` answers that route before anything else of the application runs (see its docstring); the
router below still declares it, for the OpenAPI document and for the other methods (405).
"""

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from webhook_server.libs.pipeline.intake import AcceptedDelivery, PersistFailedError
from webhook_server.libs.runtime.ip_allowlist import IpAllowlist
from webhook_server.web.intake_checks import (
    MAX_BODY_BYTES,
    IntakeRejectedError,
    check_declared_length,
    check_signature,
    json_document,
    parse_client_ip,
    parse_payload,
    require_event,
)

LOGGER = logging.getLogger(__name__)

INTAKE_PATHS = frozenset({"/webhook_server", "/webhook_server/"})
STORED_HEADERS = ("x-github-delivery", "x-github-hook-id", "x-github-hook-installation-target-id", "user-agent")
UNKNOWN_DELIVERY = "unknown-delivery"


class DeliverySink(Protocol):
    """Where validated deliveries go: returns True when newly queued, False for a duplicate."""

    async def accept(self, delivery: AcceptedDelivery) -> bool: ...


class IntakeSettings(Protocol):
    """The parts of the live config that intake reads on every request."""

    @property
    def webhook_secret(self) -> str | None: ...


router = APIRouter()


async def read_body(receive: Receive) -> bytes:
    """The request body, refused once it passes MAX_BODY_BYTES; a client gone mid-body is a read failure."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise IntakeRejectedError(400, "Failed to read request body")
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise IntakeRejectedError(413, "Payload too large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _check_source(allowlist: IpAllowlist, client_host: str | None) -> None:
    if not allowlist.enabled:
        return
    address = parse_client_ip(client_host)
    if not allowlist.contains(address):
        raise IntakeRejectedError(403, f"{address} IP is not a valid ip in allowlist IPs")


async def _validate(
    state: Any, headers: Mapping[str, str], client_host: str | None, body: Callable[[], Awaitable[bytes]]
) -> AcceptedDelivery:
    _check_source(state.ip_allowlist, client_host)
    event = require_event(headers.get("x-github-event"))
    check_declared_length(headers.get("content-length"))
    raw = await body()
    settings: IntakeSettings = state.config_provider()
    check_signature(settings.webhook_secret, raw, headers.get("x-hub-signature-256"))
    document = json_document(raw, headers.get("content-type"))  # the signature covers the raw body
    payload = parse_payload(document)
    return AcceptedDelivery(
        header_delivery_id=headers.get("x-github-delivery") or None,
        event=event,
        headers={name: headers[name] for name in STORED_HEADERS if name in headers},
        body=document,
        payload=payload,
    )


async def acknowledge(
    state: Any, headers: Mapping[str, str], client_host: str | None, body: Callable[[], Awaitable[bytes]]
) -> tuple[int, dict[str, Any]]:
    """Accept one GitHub delivery: validate it, persist it, queue it (a worker-only replica refuses it).
    Returns the status code and the JSON content of the answer."""
    refusal: str | None = getattr(state, "refuse_deliveries", None)
    if refusal is not None:
        return 503, {"detail": refusal}
    try:
        delivery = await _validate(state, headers, client_host, body)
    except IntakeRejectedError as rejection:
        state.on_rejected(rejection.status_code)
        return rejection.status_code, {"detail": rejection.detail}
    sink: DeliverySink = state.delivery_sink
    try:
        queued = await sink.accept(delivery)
    except PersistFailedError:
        LOGGER.exception("Failed to persist webhook delivery %s", delivery.header_delivery_id)
        state.on_rejected(503)
        return 503, {"detail": "Failed to persist webhook delivery"}
    return 200, {
        "status": 200,
        "message": "Webhook queued for processing" if queued else "Webhook already received",
        "delivery_id": delivery.header_delivery_id or UNKNOWN_DELIVERY,
        "event_type": delivery.event,
    }


@router.post("/webhook_server", tags=["mcp_exclude"])
@router.post("/webhook_server/", include_in_schema=False)
async def receive_webhook(request: Request) -> JSONResponse:
    """Accept one GitHub delivery: validate it, persist it, queue it (a worker-only replica refuses it)."""
    client_host = request.client.host if request.client else None
    status, content = await acknowledge(
        request.app.state, request.headers, client_host, lambda: read_body(request.receive)
    )
    return JSONResponse(status_code=status, content=content)


def _json_bytes(content: dict[str, Any]) -> bytes:
    """The body `JSONResponse` would render for `content`, byte for byte."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()


class IntakeFirstApp(FastAPI):
    """The application, answering `POST /webhook_server` before its middleware and routing run.

    Under a burst, FastAPI's and Starlette's layers (error and telemetry middleware, body limit, routing,
    endpoint wrapper, `Request` and `JSONResponse`) cost the event loop a third of its time per
    acknowledgement (py-spy, `benchmarks/intake_role_latency.py`), and this route needs none of them: no
    dependencies, no `HTTPException`, its own body limit. The same `acknowledge` decides as behind the
    declared route, and the answer is `JSONResponse`'s bytes and headers. An unexpected error reaches
    uvicorn, which logs it and answers 500 as Starlette would. Everything else goes to FastAPI.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in INTAKE_PATHS:
            await self._acknowledge(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def _acknowledge(self, scope: Scope, receive: Receive, send: Send) -> None:
        # first value of each header, as Starlette's Headers.get gives it
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in reversed(scope["headers"])}
        client = scope.get("client")
        status, content = await acknowledge(
            self.state, headers, client[0] if client else None, lambda: read_body(receive)
        )
        body = _json_bytes(content)
        response_headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})
