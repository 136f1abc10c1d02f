"""The live log WebSocket ``/logs/ws``: gates (disabled, auth, Origin, filters), then live frames (§7)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketState

from webhook_server.libs.log_store.filters import EntryFilter, FilterError, build_filter
from webhook_server.web.logs.auth import origin_allowed
from webhook_server.web.logs.live import LiveConnection
from webhook_server.web.viewer_auth import NOT_AUTHENTICATED, credentials_required

if TYPE_CHECKING:
    from webhook_server.web.logs.runtime import LogViewerRuntime

LOGGER = logging.getLogger("webhook_server.log_viewer")
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011
DISABLED_REASON = "Log server is disabled"
FILTER_KEYS = ("hook_id", "repository", "event_type", "github_user", "level", "min_level", "search")


def live_filter(websocket: WebSocket) -> EntryFilter:
    """The connection's filters from its query string (``start_time``/``end_time`` are ignored)."""
    params: dict[str, object] = {key: websocket.query_params.get(key) for key in FILTER_KEYS}
    pr_number = websocket.query_params.get("pr_number")
    if pr_number:
        try:
            params["pr_number"] = int(pr_number)
        except ValueError:
            raise FilterError(f"Invalid pr_number: {pr_number}") from None
    return build_filter(params)


def gate_failure(websocket: WebSocket, runtime: LogViewerRuntime) -> str | None:
    """The close reason of the first failing gate, or None when the connection may proceed."""
    if not runtime.log_server_enabled:
        return DISABLED_REASON
    auth = runtime.auth
    if credentials_required(auth) and auth is not None and not auth.accepts(websocket.headers.get("authorization")):
        return NOT_AUTHENTICATED
    allowed_origins = auth.allowed_origins if auth is not None else ()
    if not origin_allowed(websocket, allowed_origins):
        return "Origin not allowed"
    return None


def build_websocket_router(runtime: LogViewerRuntime) -> APIRouter:
    """The router holding ``/logs/ws``."""
    router = APIRouter()

    @router.websocket("/logs/ws")
    async def logs_websocket(websocket: WebSocket) -> None:
        await websocket.accept()
        reason = gate_failure(websocket, runtime)
        if reason is None:
            try:
                entry_filter = live_filter(websocket)
            except FilterError as error:
                reason = str(error)
        if reason is not None:
            await websocket.close(code=POLICY_VIOLATION, reason=reason)
            return
        if not runtime.logs_dir.is_dir():
            await websocket.send_json({"error": "Log directory not found"})
            await websocket.close()
            return
        await _serve(websocket, LiveConnection(websocket, entry_filter), runtime)

    return router


async def _serve(websocket: WebSocket, connection: LiveConnection, runtime: LogViewerRuntime) -> None:
    runtime.hub.connections.add(connection)
    try:
        await connection.serve()
    except Exception:
        LOGGER.exception("Live log WebSocket failed")
        if websocket.application_state == WebSocketState.CONNECTED:
            await websocket.close(code=INTERNAL_ERROR, reason="Internal server error")
    finally:
        runtime.hub.connections.discard(connection)
