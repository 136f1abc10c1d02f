"""`POST /webhook_server`: validate, persist, answer. Never calls GitHub; processing happens later.

`IntakeFastPath` serves that route ahead of FastAPI's routing (see its docstring); the router below still
declares it, for the OpenAPI document and for the other methods (405).
"""

import logging
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

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


async def _read_body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise IntakeRejectedError(413, "Payload too large")
            chunks.append(chunk)
    except OSError:
        raise IntakeRejectedError(400, "Failed to read request body") from None
    return b"".join(chunks)


def _check_source(request: Request, allowlist: IpAllowlist) -> None:
    if not allowlist.enabled:
        return
    address = parse_client_ip(request.client.host if request.client else None)
    if not allowlist.contains(address):
        raise IntakeRejectedError(403, f"{address} IP is not a valid ip in allowlist IPs")


async def _validate(request: Request) -> AcceptedDelivery:
    state = request.app.state
    _check_source(request, state.ip_allowlist)
    event = require_event(request.headers.get("x-github-event"))
    check_declared_length(request.headers.get("content-length"))
    body = await _read_body(request)
    settings: IntakeSettings = state.config_provider()
    check_signature(settings.webhook_secret, body, request.headers.get("x-hub-signature-256"))
    document = json_document(body, request.headers.get("content-type"))  # signature covers the raw body
    payload = parse_payload(document)
    headers = {name: request.headers[name] for name in STORED_HEADERS if name in request.headers}
    return AcceptedDelivery(
        header_delivery_id=request.headers.get("x-github-delivery") or None,
        event=event,
        headers=headers,
        body=document,
        payload=payload,
    )


@router.post("/webhook_server", tags=["mcp_exclude"])
@router.post("/webhook_server/", include_in_schema=False)
async def receive_webhook(request: Request) -> JSONResponse:
    """Accept one GitHub delivery: validate it, persist it, queue it (a worker-only replica refuses it)."""
    refusal: str | None = getattr(request.app.state, "refuse_deliveries", None)
    if refusal is not None:
        return JSONResponse(status_code=503, content={"detail": refusal})
    try:
        delivery = await _validate(request)
    except IntakeRejectedError as rejection:
        request.app.state.on_rejected(rejection.status_code)
        return JSONResponse(status_code=rejection.status_code, content={"detail": rejection.detail})
    sink: DeliverySink = request.app.state.delivery_sink
    try:
        queued = await sink.accept(delivery)
    except PersistFailedError:
        LOGGER.exception("Failed to persist webhook delivery %s", delivery.header_delivery_id)
        request.app.state.on_rejected(503)
        return JSONResponse(status_code=503, content={"detail": "Failed to persist webhook delivery"})
    return JSONResponse(
        status_code=200,
        content={
            "status": 200,
            "message": "Webhook queued for processing" if queued else "Webhook already received",
            "delivery_id": delivery.header_delivery_id or UNKNOWN_DELIVERY,
            "event_type": delivery.event,
        },
    )


class IntakeFastPath:
    """Pure ASGI middleware answering `POST /webhook_server` with `receive_webhook` directly.

    FastAPI's exception middleware, router, endpoint wrapper and dependency solving cost the event loop
    about a quarter of its time per acknowledgement under load (py-spy, `benchmarks/intake_latency.py`);
    this endpoint needs none of them (no dependencies, it builds its own response, raises no
    `HTTPException`). The same function answers, so status codes, bodies and headers are unchanged, and an
    unexpected error still reaches Starlette's `ServerErrorMiddleware` (500), which wraps every user
    middleware. Everything else, other methods on these paths included, goes to the app.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in INTAKE_PATHS:
            response = await receive_webhook(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
