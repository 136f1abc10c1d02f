"""Fixtures that run the server under test in-process."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from webhook_server.libs.github import api_call, transport
from webhook_server.libs.github.api_call import RetryPolicy
from webhook_server.libs.github.pacer import PacerLimits
from webhook_server.tests.e2e.harness import InProcessServer, RunningServer, server_config, write_data_dir
from webhook_server.tests.fake_github.api import FakeGitHub

UNREACHABLE_GITHUB = "http://127.0.0.1:9"


@pytest.fixture(scope="session")
def throwaway_private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def offline_server(tmp_path: Path, throwaway_private_key: str) -> Iterator[RunningServer]:
    """A server whose GitHub is unreachable: for intake behaviour that never needs GitHub. Retry waits are
    shrunk so the failing startup bootstrap ends at once."""
    config = server_config(UNREACHABLE_GITHUB, ["ghp_offline"], 1, {"managed": {"name": "org/managed"}})
    write_data_dir(tmp_path / "data", config, throwaway_private_key)
    api_call.configure(policy=RetryPolicy(time_scale=0.001))
    server = InProcessServer(tmp_path / "data")
    try:
        yield server.start()
    finally:
        server.stop()
        api_call.configure(policy=RetryPolicy())


@dataclass
class GithubBackedServers:
    """Starts servers under test pointed at the fake GitHub; stops them at teardown."""

    fake: FakeGitHub
    root: Path
    _running: list[InProcessServer] = field(default_factory=list)

    def start(self, repositories: dict[str, Any], tokens: list[str], **root: Any) -> RunningServer:
        data_dir = self.root / f"data-{len(self._running)}"
        config = server_config(self.fake.base_url, tokens, self.fake.app_id, repositories, **root)
        write_data_dir(data_dir, config, self.fake.app_private_key_pem)
        server = InProcessServer(data_dir)
        self._running.append(server)
        return server.start()

    def stop_all(self) -> None:
        for server in self._running:
            server.stop()


@pytest.fixture
def github_servers(fake_github: FakeGitHub, tmp_path: Path) -> Iterator[GithubBackedServers]:
    servers = GithubBackedServers(fake_github, tmp_path)
    try:
        yield servers
    finally:
        servers.stop_all()
        api_call.configure(policy=RetryPolicy())


@pytest.fixture(autouse=True)
def relaxed_write_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """GitHub's 80 writes/minute guidance would make every bootstrap of a test repository slow."""
    monkeypatch.setattr(transport.PACER, "limits", PacerLimits(writes_per_minute=60_000.0, write_burst=1000))
