"""Start the real server (`entrypoint.py`) in a subprocess on a free port, with a throwaway data dir."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_private_key(data_dir: Path, pem: str | None = None) -> None:
    if pem is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        ).decode()
    (data_dir / "webhook-server.private-key.pem").write_text(pem)


class ServerProcess:
    """`uv run entrypoint.py [args]` equivalent with its own data dir; `stop()` or `kill()` ends it.
    `args` go to `entrypoint.py` (e.g. `["--role", "worker"]`); none by default."""

    def __init__(
        self,
        data_dir: Path,
        config: dict[str, Any],
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.args = list(args or [])
        self.port = int(config.setdefault("port", free_port()))
        config.setdefault("ip-bind", "127.0.0.1")
        (data_dir / "config.yaml").write_text(yaml.safe_dump(config))
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, "WEBHOOK_SERVER_DATA_DIR": str(data_dir), **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        log = (self.data_dir / "server-stdout.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, str(PROJECT_ROOT / "entrypoint.py"), *self.args],
            env=self._env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {log.name}")
            try:
                if httpx.get(f"{self.base_url}/webhook_server/healthcheck", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise TimeoutError("server did not become healthy")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
