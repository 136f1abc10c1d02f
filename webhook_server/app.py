"""Application factory: builds the FastAPI app and its lifespan. Wiring only, no logic."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from webhook_server.libs.config import ServerConfig
from webhook_server.libs.server_runtime import ServerRuntime
from webhook_server.web import health, intake


def create_app(config: ServerConfig) -> FastAPI:
    """Build the server application for one loaded configuration."""
    runtime = ServerRuntime(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title="github-webhook-server", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.config_provider = runtime.current_config
    app.state.ip_allowlist = runtime.ip_allowlist
    app.state.delivery_sink = runtime
    app.state.on_rejected = runtime.record_rejection
    app.include_router(health.router)
    app.include_router(intake.router)
    return app
