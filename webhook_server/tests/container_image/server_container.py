"""The server image started as a container on the host network with a data dir, observed from outside:
healthcheck, logs, stop and exit state."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from webhook_server.tests.container_image.image_build import RUN_FLAGS, BuiltImage

CONTAINER_DATA_DIR = "/home/podman/data"
UNFINISHED = ("queued", "running")


@dataclass
class ServerContainer:
    """One `podman run -d` of the image; `remove()` always cleans up."""

    image: BuiltImage
    data_dir: Path
    name: str = field(default_factory=lambda: f"gws-e2e-{uuid.uuid4().hex[:10]}")
    started_at: float = 0.0
    starts: int = 0

    def start(self, *extra_flags: str) -> None:
        """Run detached; the data dir is chowned to the image user by podman (`:U`)."""
        self.started_at = time.monotonic()
        self.image.engine.podman(
            "run",
            "-d",
            "--name",
            self.name,
            *RUN_FLAGS,
            "--health-interval=disable",  # no systemd here to schedule it; the test runs it itself
            "-v",
            f"{self.data_dir}:{CONTAINER_DATA_DIR}:U",
            *extra_flags,
            self.image.name,
            timeout=300,
        )
        self.starts += 1

    def restart(self) -> None:
        """`podman start` of the stopped container: same data dir, same ledger."""
        self.started_at = time.monotonic()
        self.image.engine.podman("start", self.name, timeout=300)
        self.starts += 1

    def healthy(self) -> bool:
        """One run of the image's HEALTHCHECK command."""
        return self.image.engine.podman("healthcheck", "run", self.name, check=False, timeout=60).returncode == 0

    def wait_healthy(self, timeout: float) -> float:
        """Seconds from `podman run` to the first healthy healthcheck."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"container exited before it was healthy:\n{self.logs()}")
            if self.healthy():
                return time.monotonic() - self.started_at
            time.sleep(0.5)
        raise TimeoutError(f"container not healthy within {timeout}s:\n{self.logs()}")

    def state(self) -> dict[str, object]:
        output = self.image.engine.podman("inspect", "--format", "{{json .State}}", self.name).stdout
        state: dict[str, object] = json.loads(output)
        return state

    def running(self) -> bool:
        return self.state()["Status"] == "running"

    def stop(self, timeout_seconds: int) -> float:
        """`podman stop -t <timeout>`: SIGTERM, SIGKILL after the timeout; returns the seconds it took."""
        started = time.monotonic()
        self.image.engine.podman("stop", "-t", str(timeout_seconds), self.name, timeout=timeout_seconds + 120)
        return time.monotonic() - started

    def logs(self) -> str:
        result = self.image.engine.podman("logs", self.name, check=False, timeout=60)
        return result.stdout + result.stderr

    def exec(self, *argv: str, timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
        return self.image.engine.podman("exec", self.name, *argv, check=False, timeout=timeout)

    def remove(self) -> None:
        self.image.engine.podman("rm", "-f", "-t", "0", self.name, check=False, timeout=120)


def unfinished_deliveries(data_dir: Path) -> list[tuple[str, str]]:
    """`(delivery_id, status)` of every delivery the ledger has not finished."""
    with sqlite3.connect(data_dir / "webhook-ledger.sqlite3", timeout=10) as ledger:
        rows = ledger.execute(
            "SELECT delivery_id, status FROM deliveries WHERE status IN (?, ?)", UNFINISHED
        ).fetchall()
    return [(str(delivery), str(status)) for delivery, status in rows]


def delivery_status(data_dir: Path, delivery_id: str) -> str | None:
    path = data_dir / "webhook-ledger.sqlite3"
    if not path.exists():
        return None
    with sqlite3.connect(path, timeout=10) as ledger:
        row = ledger.execute("SELECT status FROM deliveries WHERE delivery_id = ?", (delivery_id,)).fetchone()
    return str(row[0]) if row else None
