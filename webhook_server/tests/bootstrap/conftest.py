"""Helpers for bootstrap tests: build a validated config from a document."""

from pathlib import Path
from typing import Any

from webhook_server.libs.config import RepositoryConfig, ServerConfig, config_from_document, repository_config

REPOSITORY = "acme/widgets"


def server_config(tmp_path: Path, repository: dict[str, Any] | None = None, **root: Any) -> ServerConfig:
    """A validated snapshot with one repository entry `widgets` (name `acme/widgets`)."""
    document: dict[str, Any] = {
        "github-app-id": 1,
        "github-tokens": ["token-one"],
        "repositories": {"widgets": {"name": REPOSITORY, **(repository or {})}},
        **root,
    }
    return config_from_document(tmp_path, document, require_private_key=False)


def widgets_config(tmp_path: Path, repository: dict[str, Any] | None = None, **root: Any) -> RepositoryConfig:
    server = server_config(tmp_path, repository, **root)
    return repository_config(server, server.repositories()[0])
