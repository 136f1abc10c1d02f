"""Application factory: builds the FastAPI app and its lifespan. Wiring only, no logic."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from webhook_server.libs.config import ServerConfig
from webhook_server.libs.runtime.roles import Role
from webhook_server.libs.runtime.server import ServerRuntime
from webhook_server.web import health, intake
from webhook_server.web.explain import build_explain_router
from webhook_server.web.logs import LogViewerRuntime, install_log_viewer
from webhook_server.web.viewer_auth import ViewerAuth

LOG_SERVER_ENV_VAR = "ENABLE_LOG_SERVER"
MCP_SERVER_ENV_VAR = "ENABLE_MCP_SERVER"


def viewer_auth(config: ServerConfig) -> ViewerAuth | None:
    """The `log-viewer` credentials, or None when the block is unset."""
    block = config.log_viewer
    if block is None:
        return None
    return ViewerAuth(
        bearer_token=block.bearer_token,
        basic_username=block.basic_username,
        basic_password=block.basic_password,
        allowed_origins=tuple(block.allowed_origins),
    )


def _install_viewer(app: FastAPI, config: ServerConfig, runtime: ServerRuntime) -> LogViewerRuntime:
    log_server_enabled = os.environ.get(LOG_SERVER_ENV_VAR) == "true"
    mcp_enabled = os.environ.get(MCP_SERVER_ENV_VAR) == "true"
    runtime.route_viewer_logs(mcp_enabled=mcp_enabled)
    return install_log_viewer(
        app,
        logs_dir=config.data_dir / "logs",
        auth=viewer_auth(config),
        log_server_enabled=log_server_enabled,
        mcp_enabled=mcp_enabled,
        live_delivery_lookup=runtime.live_delivery,
        bind_host=config.ip_bind,
        log_writer=runtime.logs,
    )


def create_app(config: ServerConfig, role: Role = Role.ALL) -> FastAPI:
    """Build the server application for one loaded configuration and process role."""
    runtime = ServerRuntime(config, role)
    viewer: LogViewerRuntime

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        await viewer.start()
        try:
            yield
        finally:
            await viewer.stop()
            await runtime.stop()

    app = intake.IntakeFirstApp(title="github-webhook-server", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.config_provider = runtime.current_config
    app.state.ip_allowlist = runtime.ip_allowlist
    app.state.delivery_sink = runtime
    app.state.refuse_deliveries = (
        None if role.accepts_deliveries else f"this replica does not accept deliveries (role {role})"
    )
    app.state.on_rejected = runtime.record_rejection
    app.include_router(health.router)
    app.include_router(intake.router)
    app.include_router(build_explain_router(runtime.explain, viewer_auth(config)))
    viewer = _install_viewer(app, config, runtime)
    app.state.log_viewer = viewer
    return app
