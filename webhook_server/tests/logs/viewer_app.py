"""A small FastAPI app with the log viewer installed, and a uvicorn runner for it (tests and benchmarks).

``python -m webhook_server.tests.logs.viewer_app --logs-dir D --port P [--bearer-token T] [--mcp]`` serves
it in its own process (used by the memory test and the benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from webhook_server.libs.log_store.writer_feed import JsonlSource
from webhook_server.web import health
from webhook_server.web.logs import install_log_viewer
from webhook_server.web.logs.runtime import LiveDeliveryLookup, LogViewerRuntime
from webhook_server.web.viewer_auth import ViewerAuth

WS_PING_SECONDS = 30.0


def build_app(
    logs_dir: Path,
    *,
    auth: ViewerAuth | None = None,
    log_server_enabled: bool = True,
    mcp_enabled: bool = False,
    live_delivery_lookup: LiveDeliveryLookup | None = None,
    log_writer: JsonlSource | None = None,
) -> tuple[FastAPI, LogViewerRuntime]:
    """The app and its viewer runtime; the lifespan starts and stops the runtime."""
    holder: dict[str, LogViewerRuntime] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await holder["runtime"].start()
        try:
            yield
        finally:
            await holder["runtime"].stop()

    app = FastAPI(lifespan=lifespan)
    app.include_router(health.router)
    holder["runtime"] = install_log_viewer(
        app,
        logs_dir=logs_dir,
        auth=auth,
        log_server_enabled=log_server_enabled,
        mcp_enabled=mcp_enabled,
        live_delivery_lookup=live_delivery_lookup,
        log_writer=log_writer,
    )
    return app, holder["runtime"]


class ViewerServer(uvicorn.Server):
    """Closes the live WebSockets (1001) before uvicorn shuts its connections down."""

    def __init__(self, config: uvicorn.Config, runtime: LogViewerRuntime) -> None:
        super().__init__(config)
        self.runtime = runtime

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self.runtime.hub.close_all(1001, "Server shutdown")
        await super().shutdown(sockets)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_config(app: FastAPI, port: int, **overrides: Any) -> uvicorn.Config:
    """Uvicorn settings of the real server: WebSocket ping every 30 s, 30 s pong timeout."""
    options: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "log_level": "warning",
        "ws_ping_interval": WS_PING_SECONDS,
        "ws_ping_timeout": WS_PING_SECONDS,
        "lifespan": "on",
    }
    return uvicorn.Config(app, **(options | overrides))


@dataclass
class RunningServer:
    """A viewer app served by uvicorn in a background thread."""

    url: str
    port: int
    runtime: LogViewerRuntime
    server: ViewerServer


@contextlib.contextmanager
def serve_in_thread(app: FastAPI, runtime: LogViewerRuntime, **overrides: Any) -> Iterator[RunningServer]:
    """Run ``app`` on a free port until the block ends."""
    port = free_port()
    server = ViewerServer(server_config(app, port, **overrides), runtime)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("viewer test server did not start")
        time.sleep(0.02)
    try:
        yield RunningServer(url=f"http://127.0.0.1:{port}", port=port, runtime=runtime, server=server)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def main() -> None:
    """Serve the viewer app in this process until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bearer-token")
    parser.add_argument("--mcp", action="store_true")
    args = parser.parse_args()
    auth = ViewerAuth(bearer_token=args.bearer_token) if args.bearer_token else None
    app, runtime = build_app(args.logs_dir, auth=auth, mcp_enabled=args.mcp)
    asyncio.run(ViewerServer(server_config(app, args.port), runtime).serve())


if __name__ == "__main__":
    main()
