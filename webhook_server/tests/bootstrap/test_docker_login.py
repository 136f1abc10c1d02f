"""`podman login docker.io`: username in argv, password only on stdin, failures logged and contained.

podman cannot log in to docker.io here (no internet), so a small `podman` executable on PATH stands in
for it at the process boundary and records what it was given.
"""

import logging
from pathlib import Path

import pytest

from webhook_server.libs.bootstrap import docker_login
from webhook_server.tests.bootstrap.conftest import server_config
from webhook_server.utils.masking import SECRETS

STUB = """#!/bin/sh
printf '%s\\n' "$@" > "{record}/argv"
cat > "{record}/stdin"
echo "{message}"
exit {status}
"""


def install_podman(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, status: int = 0, message: str = "ok") -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    podman = bin_dir / "podman"
    podman.write_text(STUB.format(record=tmp_path, message=message, status=status))
    podman.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return tmp_path


DOCKER = {"username": "hub-user", "password": "hub-password-123"}


async def test_login_sends_password_on_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = install_podman(tmp_path, monkeypatch, message="Login Succeeded!")
    assert await docker_login(server_config(tmp_path, docker=DOCKER)) is True
    argv = (record / "argv").read_text().splitlines()
    assert argv == ["login", "--username", "hub-user", "--password-stdin", "docker.io"]
    assert (record / "stdin").read_text() == "hub-password-123"
    assert {"hub-user", "hub-password-123"} <= set(SECRETS.values())


async def test_failed_login_is_logged_and_contained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    install_podman(tmp_path, monkeypatch, status=125, message="Error: unauthorized")
    with caplog.at_level(logging.ERROR):
        assert await docker_login(server_config(tmp_path, docker=DOCKER)) is False
    assert "exit 125" in caplog.text
    assert "unauthorized" in caplog.text


async def test_missing_podman_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with caplog.at_level(logging.ERROR):
        assert await docker_login(server_config(tmp_path, docker=DOCKER)) is False
    assert "podman login to docker.io failed" in caplog.text


async def test_no_docker_block_does_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = install_podman(tmp_path, monkeypatch)
    assert await docker_login(server_config(tmp_path)) is False
    assert not (record / "argv").exists()


async def test_hanging_login_times_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    podman = bin_dir / "podman"
    podman.write_text("#!/bin/sh\nexec sleep 30\n")
    podman.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setattr("webhook_server.libs.bootstrap.podman_login.LOGIN_TIMEOUT_SECONDS", 0.3)
    with caplog.at_level(logging.ERROR):
        assert await docker_login(server_config(tmp_path, docker=DOCKER)) is False
    assert "timed out" in caplog.text
