"""The real server process (`entrypoint.py`) under an operator's hands: SIGHUP reloads the config, SIGTERM
and SIGINT shut down gracefully, and the reload watcher survives unreadable config files."""

import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from webhook_server.tests.e2e.harness import WEBHOOK_SECRET, server_config
from webhook_server.tests.e2e.server_process import ServerProcess, write_private_key
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.utils.signature import sign_body

REPO = "org/repo"
WATCH_INTERVAL = 5.0  # the watcher's poll interval


@pytest.fixture
def config(fake_github: FakeGitHub, tmp_path: Path) -> dict[str, Any]:
    fake_github.create_repo(REPO, {"README.md": "x\n"})
    fake_github.install_app(REPO)
    (tmp_path / "data").mkdir()
    write_private_key(tmp_path / "data", fake_github.app_private_key_pem)
    return server_config(
        fake_github.base_url, [fake_github.create_token("bot-user")], fake_github.app_id, {"repo": {"name": REPO}}
    )


@pytest.fixture
def server(config: dict[str, Any], tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data", config)
    process.start()
    try:
        yield process
    finally:
        process.stop()


def _post_signed(server: ServerProcess, secret: str) -> int:
    body = json.dumps({"zen": "hi", "repository": {"name": "repo", "full_name": REPO}}).encode()
    headers = {
        "X-GitHub-Event": "ping",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": sign_body(secret, body),
    }
    return httpx.post(f"{server.base_url}/webhook_server", content=body, headers=headers, timeout=10).status_code


def _wait_until_accepted(server: ServerProcess, secret: str, timeout: float) -> float:
    """Seconds until a delivery signed with `secret` is accepted."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if _post_signed(server, secret) == 200:
            return time.monotonic() - started
        time.sleep(0.1)
    raise TimeoutError(f"a delivery signed with the new secret was still refused after {timeout} s")


def _server_log(server: ServerProcess) -> str:
    return (server.data_dir / "server-stdout.log").read_text(encoding="utf-8", errors="replace")


def _wait_for_log(server: ServerProcess, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in _server_log(server):
            return
        time.sleep(0.1)
    raise TimeoutError(f"{text!r} never appeared in the server log")


def _rewrite_keeping_signature(path: Path, document: dict[str, Any]) -> None:
    """Rewrite in place with the same size and mtime: only a forced reload (SIGHUP) can notice."""
    before = path.stat()
    text = yaml.safe_dump(document)
    assert len(text.encode()) == before.st_size
    with path.open("r+", encoding="utf-8") as handle:  # same inode
        handle.write(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_sighup_reloads_the_config_and_the_server_stays_up(server: ServerProcess, config: dict[str, Any]) -> None:
    rotated = WEBHOOK_SECRET[::-1]  # same length: the file keeps its size
    _rewrite_keeping_signature(server.data_dir / "config.yaml", {**config, "webhook-secret": rotated})
    time.sleep(WATCH_INTERVAL + 1)
    assert _post_signed(server, rotated) == 403  # the watcher cannot see the change by itself
    assert server.process is not None
    server.process.send_signal(signal.SIGHUP)
    assert _wait_until_accepted(server, rotated, timeout=10) < 10
    assert server.process.poll() is None
    assert _post_signed(server, WEBHOOK_SECRET) == 403


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_sigterm_and_sigint_shut_down_gracefully(server: ServerProcess, stop_signal: signal.Signals) -> None:
    assert server.process is not None
    assert _post_signed(server, WEBHOOK_SECRET) == 200
    server.process.send_signal(stop_signal)
    assert server.process.wait(timeout=60) in (0, -stop_signal, 128 + stop_signal)
    log = _server_log(server)
    assert "Application shutdown complete" in log
    assert "Traceback" not in log
    assert '"POST /webhook_server HTTP/1.1" 200' in log  # the access log, written by its own thread


def test_reload_watcher_survives_unreadable_config_files(server: ServerProcess, config: dict[str, Any]) -> None:
    path = server.data_dir / "config.yaml"
    path.write_bytes(b"webhook-secret: \xff\xfe broken\n")
    _wait_for_log(server, f"Configuration reload of {path} failed", timeout=3 * WATCH_INTERVAL)
    assert _post_signed(server, WEBHOOK_SECRET) == 200  # the last good config still applies
    first_rotation = "rotated-once"
    path.write_text(yaml.safe_dump({**config, "webhook-secret": first_rotation}))
    _wait_until_accepted(server, first_rotation, timeout=3 * WATCH_INTERVAL)

    path.unlink()
    path.mkdir()
    time.sleep(2 * WATCH_INTERVAL)
    assert _post_signed(server, first_rotation) == 200
    path.rmdir()
    second_rotation = "rotated-twice"
    path.write_text(yaml.safe_dump({**config, "webhook-secret": second_rotation}))
    _wait_until_accepted(server, second_rotation, timeout=3 * WATCH_INTERVAL)
    log = _server_log(server)
    assert log.count(f"Configuration reload of {path} failed") >= 2
    assert "Traceback" not in log  # both problems are reported as configuration errors
    assert httpx.get(f"{server.base_url}/webhook_server/healthcheck").json() == {"status": 200, "message": "Alive"}
