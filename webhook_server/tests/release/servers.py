"""Real servers the release tests start on 127.0.0.1: a container registry (Debian `docker-registry`, with or
without htpasswd basic auth), a PyPI server (`pypi-server`), and a recording Slack receiver (ASGI on uvicorn).
Each runs on a free port, is polled until it answers, and is stopped by its own PID or thread."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from webhook_server.tests.e2e.harness import free_port

VENV_BIN = Path(sys.executable).parent


def _wait_until_up(url: str, process: subprocess.Popen[bytes], ok: tuple[int, ...]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code in ok:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class Registry:
    """`docker-registry serve` with deletes enabled; `user`/`password` turn on htpasswd basic auth."""

    root: Path
    user: str | None = None
    password: str | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _config(self) -> Path:
        lines = ["version: 0.1", "log:", "  level: error", "storage:", "  filesystem:"]
        lines += [f"    rootdirectory: {self.root / 'data'}", "  delete:", "    enabled: true"]
        lines += ["http:", f"  addr: {self.host}"]
        if self.user is not None and self.password is not None:
            htpasswd = self.root / "htpasswd"
            made = subprocess.run(["htpasswd", "-Bbn", self.user, self.password], capture_output=True, check=True)
            htpasswd.write_bytes(made.stdout)
            lines += ["auth:", "  htpasswd:", "    realm: test", f"    path: {htpasswd}"]
        config = self.root / "config.yml"
        config.write_text("\n".join(lines) + "\n")
        return config

    def start(self) -> Registry:
        self.root.mkdir(parents=True, exist_ok=True)
        config = self._config()
        env = {"PATH": os.environ["PATH"], "REGISTRY_HTTP_ADDR": self.host}
        self.process = subprocess.Popen(["docker-registry", "serve", str(config)], env=env, stdout=subprocess.DEVNULL)
        _wait_until_up(f"http://{self.host}/v2/", self.process, (200, 401))
        return self

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)

    def tags(self, repository: str) -> list[str]:
        """The repository's tags (`repository` without the host), read with skopeo."""
        argv = ["skopeo", "list-tags", "--tls-verify=false", *self._creds(), f"docker://{self.host}/{repository}"]
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            return []
        tags: list[str] = json.loads(result.stdout).get("Tags") or []
        return tags

    def inspect(self, repository: str, tag: str) -> dict[str, Any]:
        """`skopeo inspect --raw` of the image manifest."""
        argv = [
            "skopeo",
            "inspect",
            "--raw",
            "--tls-verify=false",
            *self._creds(),
            f"docker://{self.host}/{repository}:{tag}",
        ]
        result = subprocess.run(argv, capture_output=True, text=True, check=True)
        manifest: dict[str, Any] = json.loads(result.stdout)
        return manifest

    def _creds(self) -> list[str]:
        return [f"--creds={self.user}:{self.password}"] if self.user else []


@dataclass
class PypiServer:
    """`pypi-server run` with authentication off and overwrites allowed (`-o`: twine refuses
    `--skip-existing` for anything but PyPI, so a repeated upload replaces the file); `simple_url` is the
    index pip reads."""

    packages: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def simple_url(self) -> str:
        return f"{self.url}simple/"

    def start(self) -> PypiServer:
        self.packages.mkdir(parents=True, exist_ok=True)
        argv = [
            str(VENV_BIN / "pypi-server"),
            "run",
            "-i",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-a",
            ".",
            "-P",
            ".",
            "-o",
        ]
        self.process = subprocess.Popen(
            [*argv, str(self.packages)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait_until_up(self.simple_url, self.process, (200,))
        return self

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)

    def files(self) -> list[str]:
        return sorted(path.name for path in self.packages.iterdir())


@dataclass
class SlackReceiver:
    """Records `POST /<mode>` JSON bodies; mode `ok` answers 200, `fail` 500, `slow` waits 2 s first."""

    messages: list[tuple[str, Any]] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def url(self, mode: str = "ok") -> str:
        return f"http://127.0.0.1:{self.port}/{mode}"

    def texts(self, mode: str = "ok") -> list[str]:
        with self.lock:
            return [body["text"] for kind, body in self.messages if kind == mode]

    def _app(self) -> Starlette:
        async def receive(request: Request) -> Response:
            mode = request.path_params["mode"]
            with self.lock:
                self.messages.append((mode, await request.json()))
            if mode == "slow":
                await asyncio.sleep(2)
            return JSONResponse({"ok": mode != "fail"}, status_code=500 if mode == "fail" else 200)

        return Starlette(routes=[Route("/{mode}", receive, methods=["POST"])])

    def start(self) -> SlackReceiver:
        config = uvicorn.Config(self._app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="slack-receiver", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("slack receiver did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)
