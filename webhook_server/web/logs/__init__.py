"""The log viewer: page, JSON API, live WebSocket, static assets, ``/metrics``, ``/mcp`` and their auth.

``install_log_viewer`` registers everything on the app; the returned ``LogViewerRuntime`` is started
and stopped by the app lifespan.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from webhook_server.libs.log_store.writer_feed import JsonlSource
from webhook_server.web import metrics
from webhook_server.web.logs.api import build_api_router
from webhook_server.web.logs.page import STATIC_DIR, build_page_router
from webhook_server.web.logs.runtime import LiveDeliveryLookup, LogViewerRuntime
from webhook_server.web.logs.websocket import build_websocket_router
from webhook_server.web.viewer_auth import (
    DOCS_PATHS,
    EXPLAIN_PREFIX,
    ViewerAuth,
    ViewerAuthMiddleware,
    credentials_required,
    warn_if_unprotected,
)

__all__ = ["LiveDeliveryLookup", "LogViewerRuntime", "ViewerAuth", "install_log_viewer"]


def protected_path_rule(log_server_enabled: bool) -> Callable[[str], bool]:
    """The predicate of paths that need viewer credentials (``/logs*`` only while the viewer is on;
    the explain endpoint always)."""

    def is_protected(path: str) -> bool:
        if path in DOCS_PATHS or path in {"/metrics", "/mcp"} or path.startswith(("/mcp/", EXPLAIN_PREFIX)):
            return True
        return log_server_enabled and (path == "/logs" or path.startswith("/logs/"))

    return is_protected


def install_log_viewer(
    app: FastAPI,
    *,
    logs_dir: Path,
    auth: ViewerAuth | None,
    log_server_enabled: bool,
    mcp_enabled: bool,
    live_delivery_lookup: LiveDeliveryLookup | None = None,
    bind_host: str | None = None,
    log_writer: JsonlSource | None = None,
) -> LogViewerRuntime:
    """Register ``/logs``, ``/logs/api/*``, ``/logs/ws``, ``/static``, ``/metrics`` and (if enabled) ``/mcp``.

    ``live_delivery_lookup(hook_id)`` may return the summary-shaped record of a delivery still running
    (``DeliveryContext.summary_record()``), so ``workflow-steps`` can answer before the summary is written.
    ``bind_host`` (the ``ip-bind`` value) silences the no-authentication warning for loopback binds.
    ``log_writer``: the in-process writer of these logs; the live tail then takes its records as they are
    written instead of polling the files (leave it out for logs another process writes).
    """
    runtime = LogViewerRuntime(
        logs_dir=logs_dir,
        auth=auth,
        log_server_enabled=log_server_enabled,
        live_delivery_lookup=live_delivery_lookup,
        log_writer=log_writer,
    )
    if log_server_enabled:
        app.include_router(build_page_router())
    app.include_router(build_api_router(runtime))
    app.include_router(build_websocket_router(runtime))
    app.include_router(metrics.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if mcp_enabled:
        from webhook_server.web.mcp import mount_mcp

        runtime.services.append(mount_mcp(app))
    if auth is not None and credentials_required(auth):
        app.add_middleware(ViewerAuthMiddleware, auth=auth, is_protected=protected_path_rule(log_server_enabled))
    warn_if_unprotected(auth, log_server_enabled=log_server_enabled, mcp_enabled=mcp_enabled, bind_host=bind_host)
    return runtime
