"""Application factory: builds the FastAPI app and its lifespan. Wiring only, no logic."""

from fastapi import FastAPI

from webhook_server.libs.config import ServerConfig
from webhook_server.web import health


def create_app(config: ServerConfig) -> FastAPI:
    """Build the server application for one loaded configuration."""
    app = FastAPI(title="github-webhook-server")
    app.state.config = config
    app.include_router(health.router)
    return app
