"""Fixtures that run the server under test in-process."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from webhook_server.tests.e2e.harness import InProcessServer, RunningServer, server_config, write_data_dir

UNREACHABLE_GITHUB = "http://127.0.0.1:9"


@pytest.fixture(scope="session")
def throwaway_private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def offline_server(tmp_path: Path, throwaway_private_key: str) -> Iterator[RunningServer]:
    """A server whose GitHub is unreachable: for intake behaviour that never needs GitHub."""
    config = server_config(UNREACHABLE_GITHUB, ["ghp_offline"], 1, {"managed": {"name": "org/managed"}})
    write_data_dir(tmp_path / "data", config, throwaway_private_key)
    server = InProcessServer(tmp_path / "data")
    try:
        yield server.start()
    finally:
        server.stop()
