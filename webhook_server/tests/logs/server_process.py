"""Run the viewer app (``viewer_app.main``) in its own process and watch its memory (memory test, benchmark)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from webhook_server.tests.logs.viewer_app import free_port


@dataclass
class ServerProcess:
    """A running viewer server process and its sampled memory."""

    url: str
    process: psutil.Process
    samples: list[int] = field(default_factory=list)

    def peak_rss(self) -> int:
        """The kernel's high-water mark of resident memory (``VmHWM``), or the sampled maximum."""
        status = Path(f"/proc/{self.process.pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return max(self.samples, default=0)


def _sample(server: ServerProcess, stop: threading.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(psutil.Error):
            server.samples.append(server.process.memory_info().rss)
        stop.wait(0.02)


@contextlib.contextmanager
def viewer_process(logs_dir: Path, *extra_args: str) -> Iterator[ServerProcess]:
    """Start ``python -m webhook_server.tests.logs.viewer_app`` on a free port; stop it by its PID at the end."""
    port = free_port()
    command = [sys.executable, "-m", "webhook_server.tests.logs.viewer_app", "--logs-dir", str(logs_dir)]
    popen = subprocess.Popen([*command, "--port", str(port), *extra_args])
    server = ServerProcess(url=f"http://127.0.0.1:{port}", process=psutil.Process(popen.pid))
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(server, stop), daemon=True)
    sampler.start()
    try:
        _wait_until_up(server.url, popen)
        yield server
    finally:
        stop.set()
        sampler.join()
        popen.terminate()
        try:
            popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()


def _wait_until_up(url: str, popen: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise RuntimeError(f"viewer server exited with {popen.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/webhook_server/healthcheck", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("viewer server did not start")
