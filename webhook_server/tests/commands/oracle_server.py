"""A local test-oracle service on 127.0.0.1 that records what it receives.

The first path segment picks its behaviour, so several repositories can point at one server:
`/ok` answers health 200 and analyze 200 with a summary; `/down` answers health 503; `/broken` answers
analyze 500; `/badjson` answers analyze 200 with a non-JSON body; `/slow` answers analyze after 2 s.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

HEALTH_STATUS = {"ok": 200, "down": 503, "broken": 200, "badjson": 200, "slow": 200}
SLOW_ANALYSIS_SECONDS = 2.0


@dataclass(frozen=True)
class OracleRequest:
    """One request the oracle received."""

    method: str
    mode: str
    path: str
    body: dict[str, Any] | None


@dataclass
class OracleRecorder:
    """Everything received, in order (appended from the server thread)."""

    requests: list[OracleRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, request: OracleRequest) -> None:
        with self.lock:
            self.requests.append(request)

    def analyses_for(self, pr_url: str) -> list[dict[str, Any]]:
        """Bodies of `POST /analyze` about one PR."""
        with self.lock:
            return [
                item.body
                for item in self.requests
                if item.path == "analyze" and item.body and item.body["pr_url"] == pr_url
            ]

    def count(self, mode: str, path: str) -> int:
        with self.lock:
            return sum(1 for item in self.requests if item.mode == mode and item.path == path)


def oracle_app(recorder: OracleRecorder) -> Starlette:
    async def health(request: Request) -> Response:
        mode = request.path_params["mode"]
        recorder.add(OracleRequest("GET", mode, "health", None))
        return PlainTextResponse("ok", status_code=HEALTH_STATUS.get(mode, 404))

    async def analyze(request: Request) -> Response:
        mode = request.path_params["mode"]
        recorder.add(OracleRequest("POST", mode, "analyze", json.loads(await request.body())))
        if mode == "broken":
            return PlainTextResponse("analysis exploded", status_code=500)
        if mode == "slow":
            await asyncio.sleep(SLOW_ANALYSIS_SECONDS)
        if mode == "badjson":
            return PlainTextResponse("this is not json")
        return JSONResponse({"summary": "2 tests recommended"})

    return Starlette(
        routes=[
            Route("/{mode}/health", health, methods=["GET"]),
            Route("/{mode}/analyze", analyze, methods=["POST"]),
        ]
    )


class OracleServer:
    """uvicorn serving the recording oracle in a thread, on a free port."""

    def __init__(self) -> None:
        self.recorder = OracleRecorder()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(oracle_app(self.recorder), log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="test-oracle", daemon=True
        )

    def url(self, mode: str) -> str:
        """The `server-url` for one behaviour."""
        return f"{self.base_url}/{mode}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test oracle did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._socket.close()
