"""The image's HEALTHCHECK script asks the address and port the data dir's config binds."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from webhook_server.tests.container_image.image_build import PROJECT_ROOT


def healthcheck_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("healthcheck", PROJECT_ROOT / "container" / "healthcheck.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (None, "http://127.0.0.1:5000/webhook_server/healthcheck"),
        ("repositories: {}\n", "http://127.0.0.1:5000/webhook_server/healthcheck"),
        ("ip-bind: 0.0.0.0\nport: 8080\n", "http://127.0.0.1:8080/webhook_server/healthcheck"),
        ("ip-bind: '::'\nport: 8080\n", "http://127.0.0.1:8080/webhook_server/healthcheck"),
        ("ip-bind: 10.1.2.3\nport: 5001\n", "http://10.1.2.3:5001/webhook_server/healthcheck"),
        ("ip-bind: '::1'\n", "http://[::1]:5000/webhook_server/healthcheck"),
    ],
    ids=["no-config", "defaults", "wildcard-v4", "wildcard-v6", "specific-address", "ipv6-loopback"],
)
def test_healthcheck_url(tmp_path: Path, config: str | None, expected: str) -> None:
    path = tmp_path / "config.yaml"
    if config is not None:
        path.write_text(config)
    assert healthcheck_module().healthcheck_url(path) == expected


def test_unreachable_server_is_unhealthy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.yaml").write_text("ip-bind: 127.0.0.1\nport: 9\n")
    monkeypatch.setenv("WEBHOOK_SERVER_DATA_DIR", str(tmp_path))
    assert healthcheck_module().main() == 1
