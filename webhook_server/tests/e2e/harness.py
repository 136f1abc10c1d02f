"""Run the real server in-process (uvicorn on 127.0.0.1) against the fake GitHub, post signed
deliveries and wait until the ledger has finished them."""

import asyncio
import json
import re
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import uvicorn
import yaml

from webhook_server.app import create_app
from webhook_server.libs.config import load_config
from webhook_server.libs.github.token_pool import TOKENS
from webhook_server.libs.runtime.server import ServerRuntime
from webhook_server.utils.signature import sign_body

WEBHOOK_SECRET = "e2e-webhook-secret"
FINISHED = ("succeeded", "failed")


def visible_text(body: str) -> str:
    """A comment as GitHub renders it: without the hidden reply marker that `reply_once` appends."""
    return re.sub(r"\n\n<!-- webhook-server-reply: [^>]* -->$", "", body)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_data_dir(data_dir: Path, config: dict[str, Any], private_key_pem: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (data_dir / "webhook-server.private-key.pem").write_text(private_key_pem)


@dataclass
class DeliveryRow:
    """A delivery's row in the ledger, as a test reads it."""

    delivery_id: str
    status: str
    outcome: str | None
    error: str | None
    attempts: int


def read_delivery(data_dir: Path, delivery_id: str) -> DeliveryRow | None:
    """Read one ledger row with a separate SQLite connection (WAL allows concurrent readers)."""
    path = data_dir / "webhook-ledger.sqlite3"
    if not path.exists():
        return None
    with sqlite3.connect(path, timeout=10) as connection:
        row = connection.execute(
            "SELECT delivery_id, status, outcome, error, attempts FROM deliveries WHERE delivery_id = ?",
            (delivery_id,),
        ).fetchone()
    return DeliveryRow(*row) if row else None


def read_summaries(data_dir: Path) -> list[dict[str, Any]]:
    """Every `webhook_summary` record of the JSONL logs."""
    records: list[dict[str, Any]] = []
    for path in sorted((data_dir / "logs").glob("webhooks_*.json")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("type", "webhook_summary") == "webhook_summary":
                records.append(record)
    return records


@dataclass
class RunningServer:
    """The server under test: its URL, data dir and runtime."""

    base_url: str
    data_dir: Path
    runtime: ServerRuntime
    secret: str | None = WEBHOOK_SECRET
    sent: list[str] = field(default_factory=list)

    def signed_headers(self, event: str, body: bytes, delivery_id: str | None) -> dict[str, str]:
        headers = {"X-GitHub-Event": event, "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/e2e"}
        if delivery_id is not None:
            headers["X-GitHub-Delivery"] = delivery_id
        if self.secret is not None:
            headers["X-Hub-Signature-256"] = sign_body(self.secret, body)
        return headers

    async def post(self, event: str, payload: dict[str, Any], delivery_id: str | None = None) -> httpx.Response:
        """POST one signed delivery; returns the intake response."""
        body = json.dumps(payload).encode()
        delivery = delivery_id or str(uuid.uuid4())
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            response = await client.post(
                "/webhook_server", content=body, headers=self.signed_headers(event, body, delivery)
            )
        self.sent.append(delivery)
        return response

    async def wait_finished(self, delivery_id: str, timeout: float = 20.0) -> DeliveryRow:
        """Poll the ledger until the delivery succeeded or failed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = await asyncio.to_thread(read_delivery, self.data_dir, delivery_id)
            if row is not None and row.status in FINISHED:
                return row
            await asyncio.sleep(0.02)
        raise TimeoutError(f"delivery {delivery_id} not finished: {read_delivery(self.data_dir, delivery_id)}")

    async def deliver(self, event: str, payload: dict[str, Any], timeout: float = 20.0) -> DeliveryRow:
        """Post a delivery and wait until it is processed."""
        delivery_id = str(uuid.uuid4())
        response = await self.post(event, payload, delivery_id)
        assert response.status_code == 200, response.text
        return await self.wait_finished(delivery_id, timeout)

    def summary_of(self, delivery_id: str) -> dict[str, Any]:
        self.runtime.logs.flush()
        matches = [record for record in read_summaries(self.data_dir) if record["hook_id"] == delivery_id]
        assert len(matches) == 1, f"{len(matches)} summaries for {delivery_id}"
        return matches[0]


@dataclass
class InProcessServer:
    """uvicorn serving `create_app(config)` in a thread with its own event loop."""

    data_dir: Path
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None
    loop: Literal["auto", "asyncio", "uvloop"] = "auto"  # "auto": uvloop when installed, as in production
    port: int | None = None  # None: a free port per start; fixed: a restart keeps the URL (webhook-ip)

    def start(self, *, wait_for_bootstrap: bool = True) -> RunningServer:
        """Serve and wait until the listener is up (and, by default, until the startup bootstrap ended)."""
        config = load_config(self.data_dir)
        app = create_app(config)
        port = self.port or free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=port, log_config=None, lifespan="on", access_log=False, loop=self.loop
            )
        )
        self.thread = threading.Thread(target=self.server.run, name="server-under-test", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server under test did not start")
            time.sleep(0.01)
        runtime: ServerRuntime = app.state.runtime
        if wait_for_bootstrap and not runtime.bootstrapped.wait(timeout=60):
            raise RuntimeError("startup bootstrap did not finish")
        return RunningServer(base_url=f"http://127.0.0.1:{port}", data_dir=self.data_dir, runtime=runtime)

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=60)
        TOKENS.clear()


def server_config(
    github_api_url: str, tokens: list[str], app_id: int, repositories: dict[str, Any], **root: Any
) -> dict[str, Any]:
    """A config.yaml document for a server pointed at the fake GitHub."""
    document: dict[str, Any] = {
        "github-app-id": app_id,
        "github-tokens": tokens,
        "github-api-url": github_api_url,
        "webhook-secret": WEBHOOK_SECRET,
        "log-level": "DEBUG",
        "repositories": repositories,
    }
    document.update({key.replace("_", "-"): value for key, value in root.items()})
    return document


def running(data_dir: Path) -> Iterator[RunningServer]:
    """Context-manager body for fixtures: start, yield, stop."""
    server = InProcessServer(data_dir)
    try:
        yield server.start()
    finally:
        server.stop()
