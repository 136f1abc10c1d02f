"""Runs the fake GitHub with uvicorn in a background thread on a free 127.0.0.1 port."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from webhook_server.tests.fake_github import routes_git
from webhook_server.tests.fake_github.app import FakeGitHubApp
from webhook_server.tests.fake_github.backend import Backend

ENTERPRISE_API_PREFIX = "/api/v3"
ENTERPRISE_GRAPHQL_PATH = "/api/graphql"

START_TIMEOUT_SECONDS = 10.0


class EnterpriseMount:
    """GitHub Enterprise Server's layout in front of the fake: REST under `/api/v3`, GraphQL at
    `/api/graphql`, git at the host root. Anything else is a 404 and is remembered in `unrouted`."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.unrouted: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        inner = self._inner_path(path)
        if inner is None:
            self.unrouted.append(f"{scope['method']} {path}")
            body = json.dumps({"message": "Not Found", "documentation_url": "https://docs.github.com"}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 404, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app({**scope, "path": inner, "raw_path": inner.encode()}, receive, send)

    @staticmethod
    def _inner_path(path: str) -> str | None:
        """The fake's own path for an Enterprise path, or None where Enterprise serves nothing (REST at
        the root, GraphQL or git under `/api/v3`)."""
        if path == ENTERPRISE_GRAPHQL_PATH:
            return "/graphql"
        if routes_git.is_git_path(path):
            return path
        inner = path.removeprefix(ENTERPRISE_API_PREFIX)
        if inner == path or not inner.startswith("/") or inner == "/graphql" or routes_git.is_git_path(inner):
            return None
        return inner


class FakeGitHubServer:
    """One HTTP server and its backend; `base_url` is known as soon as it is constructed. With
    `enterprise=True` it is laid out like GitHub Enterprise Server (`base_url` ends in `/api/v3`)."""

    def __init__(self, root: Path, *, enterprise: bool = False) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        host = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{host}{ENTERPRISE_API_PREFIX}" if enterprise else host
        self.backend = Backend(root, self.base_url, web_url=host if enterprise else "")
        asgi: Any = FakeGitHubApp(self.backend).asgi
        self.mount = EnterpriseMount(asgi) if enterprise else None
        config = uvicorn.Config(
            self.mount or asgi,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=30,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="fake-github-http", daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake GitHub server did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._socket.close()
        self.backend.close()
