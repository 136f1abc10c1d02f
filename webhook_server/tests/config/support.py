"""Helpers for config tests: RSA key generation and writing config files into a data dir."""

import copy
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from webhook_server.libs.config import PRIVATE_KEY_FILE_NAME, ServerConfig, config_from_document

MINIMAL_CONFIG: dict[str, Any] = {
    "github-app-id": 12345,
    "github-tokens": ["ghp_root_token"],
    "repositories": {"my-repo": {"name": "my-org/my-repo"}},
}


def minimal_config(**root: Any) -> dict[str, Any]:
    """A deep copy of the minimal valid config with `root` keys set on top (use `_` for `-` in names)."""
    document = copy.deepcopy(MINIMAL_CONFIG)
    document.update({key.replace("_", "-"): value for key, value in root.items()})
    return document


def rsa_private_key_pem() -> bytes:
    """A fresh 2048-bit RSA private key in PEM form (the GitHub App key format)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.TraditionalOpenSSL,
        encryption_algorithm=serialization.NoEncryption(),
    )


def write_private_key(data_dir: Path, pem: bytes) -> Path:
    """Write the App private key where the server expects it."""
    path = data_dir / PRIVATE_KEY_FILE_NAME
    path.write_bytes(pem)
    return path


def write_config(data_dir: Path, document: object) -> Path:
    """Write `document` as `{data_dir}/config.yaml`."""
    path = data_dir / "config.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def snapshot(document: dict[str, Any]) -> ServerConfig:
    """A validated snapshot of `document` without needing a private key file."""
    return config_from_document(Path("/nonexistent-data-dir"), document, require_private_key=False)
