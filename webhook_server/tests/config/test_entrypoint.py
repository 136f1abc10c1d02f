"""`entrypoint.py` as a real subprocess: missing config, invalid config, and a live healthcheck."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import entrypoint
from webhook_server.libs.config import data_dir_from_env
from webhook_server.tests.config.support import minimal_config, write_config

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ENTRYPOINT = PROJECT_ROOT / "entrypoint.py"
STARTUP_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def entrypoint_env(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "WEBHOOK_SERVER_DEV_MODE"}
    env["WEBHOOK_SERVER_DATA_DIR"] = str(data_dir)
    return env


def run_entrypoint(data_dir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ENTRYPOINT), *arguments],
        cwd=PROJECT_ROOT,
        env=entrypoint_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_missing_config_exits_2_with_one_clear_message(tmp_path: Path) -> None:
    result = run_entrypoint(tmp_path)
    assert result.returncode == 2
    config_path = tmp_path / "config.yaml"
    assert result.stderr.splitlines() == [
        f"Configuration file not found: {config_path}",
        f"Start from examples/config.yaml: copy it to {config_path} and edit it "
        "(the data dir is set by WEBHOOK_SERVER_DATA_DIR).",
    ]
    assert "Traceback" not in result.stderr


def test_invalid_config_exits_2_listing_every_error(data_dir: Path) -> None:
    document = minimal_config(log_level="TRACE")
    document["repositories"]["my-repo"]["minimum-lgtm"] = "two"
    write_config(data_dir, document)
    result = run_entrypoint(data_dir)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"Invalid configuration in {data_dir}:",
        "config.yaml: log-level: 'TRACE' is not one of ['INFO', 'DEBUG']",
        "config.yaml: repositories.my-repo.minimum-lgtm: 'two' is not of type 'integer'",
    ]


@pytest.mark.parametrize("kind", ["invalid-utf8", "directory"])
def test_unreadable_config_exits_2_without_traceback(tmp_path: Path, kind: str) -> None:
    config = tmp_path / "config.yaml"
    if kind == "directory":
        config.mkdir()
    else:
        config.write_bytes(b"github-app-id: \xff\xfe\n")
    result = run_entrypoint(tmp_path)
    assert result.returncode == 2
    [heading, problem] = result.stderr.splitlines()
    assert heading == f"Invalid configuration in {tmp_path}:"
    expected = (
        "config.yaml: <root>: not valid UTF-8" if kind == "invalid-utf8" else "config.yaml: <root>: cannot be read"
    )
    assert problem.startswith(expected), problem
    assert "Traceback" not in result.stderr


def wait_for_healthcheck(process: subprocess.Popen[str], url: str) -> httpx.Response:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited before answering"
        try:
            return httpx.get(url, timeout=2.0)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"no answer from {url} within {STARTUP_TIMEOUT_SECONDS} s")


@pytest.mark.slow
def test_valid_config_serves_healthcheck(data_dir: Path) -> None:
    port = free_port()
    unreachable_github = f"http://127.0.0.1:{free_port()}"
    write_config(data_dir, minimal_config(ip_bind="127.0.0.1", port=port, github_api_url=unreachable_github))
    process = subprocess.Popen(
        [sys.executable, str(ENTRYPOINT)],
        cwd=PROJECT_ROOT,
        env=entrypoint_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        response = wait_for_healthcheck(process, f"http://127.0.0.1:{port}/webhook_server/healthcheck")
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert response.status_code == 200, stderr
    assert response.json() == {"status": 200, "message": "Alive"}
    assert process.returncode in {0, -signal.SIGTERM}, stderr  # uvicorn re-raises SIGTERM after shutdown
    assert "Application shutdown complete." in stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), ("1", True), ("true", True), ("YES", True), ("True", True), ("0", False), ("on", False)],
    ids=["unset", "one", "true", "yes-upper-case", "true-mixed-case", "zero", "other-word"],
)
def test_dev_mode_flag(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: bool) -> None:
    if value is None:
        monkeypatch.delenv("WEBHOOK_SERVER_DEV_MODE", raising=False)
    else:
        monkeypatch.setenv("WEBHOOK_SERVER_DEV_MODE", value)
    assert entrypoint.dev_mode_enabled() is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, Path("/home/podman/data")), ("", Path("/home/podman/data")), ("/srv/data", Path("/srv/data"))],
    ids=["unset", "empty", "set"],
)
def test_data_dir_from_env(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: Path) -> None:
    if value is None:
        monkeypatch.delenv("WEBHOOK_SERVER_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("WEBHOOK_SERVER_DATA_DIR", value)
    assert data_dir_from_env() == expected


def test_a_bad_ledger_url_is_refused_without_repeating_its_password(data_dir: Path) -> None:
    write_config(data_dir, minimal_config(ledger_url="mysql://bot:s3cret-pass@db.internal/ledger"))
    result = run_entrypoint(data_dir)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"Invalid configuration in {data_dir}:",
        "config.yaml: ledger-url: (value not shown) does not match '^postgres(ql)?://'",
    ]


@pytest.mark.parametrize("role", ["intake", "worker"])
def test_an_intake_or_worker_role_needs_a_shared_ledger(data_dir: Path, role: str) -> None:
    write_config(data_dir, minimal_config())
    result = run_entrypoint(data_dir, "--role", role)
    assert result.returncode == 2
    assert f"--role {role} needs ledger-url in config.yaml" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("arguments", "environment", "expected"),
    [
        ([], None, "all"),
        ([], "worker", "worker"),
        (["--role", "intake"], "worker", "intake"),
        (["--role=WORKER"], None, "worker"),
        (["--role", "all"], None, "all"),
    ],
    ids=["default", "from-environment", "argument-wins", "equals-form-any-case", "explicit-all"],
)
def test_role_from_arguments(
    monkeypatch: pytest.MonkeyPatch, arguments: list[str], environment: str | None, expected: str
) -> None:
    if environment is None:
        monkeypatch.delenv("WEBHOOK_SERVER_ROLE", raising=False)
    else:
        monkeypatch.setenv("WEBHOOK_SERVER_ROLE", environment)
    assert entrypoint.role_from_arguments(arguments).value == expected


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--role", "boss"], "unknown role 'boss': choose one of all, intake, worker"),
        (["--role"], "usage: entrypoint.py [--role all|intake|worker]"),
        (["--verbose"], "unexpected arguments '--verbose'"),
    ],
    ids=["unknown-role", "missing-value", "unknown-flag"],
)
def test_bad_role_arguments_exit_2(arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        entrypoint.role_from_arguments(arguments)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
