"""Fixtures for config tests: a data dir holding a real GitHub App private key."""

from pathlib import Path

import pytest

from webhook_server.tests.config.support import rsa_private_key_pem, write_private_key


@pytest.fixture(scope="session")
def private_key_pem() -> bytes:
    """One RSA key per test session (generation takes a moment)."""
    return rsa_private_key_pem()


@pytest.fixture
def data_dir(tmp_path: Path, private_key_pem: bytes) -> Path:
    """An empty data dir with the App private key in place."""
    write_private_key(tmp_path, private_key_pem)
    return tmp_path
