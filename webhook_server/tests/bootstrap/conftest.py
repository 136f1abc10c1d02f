"""Helpers for bootstrap tests: build a validated config from a document."""

from pathlib import Path
from typing import Any

import pytest

from webhook_server.libs.config import RepositoryConfig, ServerConfig, config_from_document, repository_config
from webhook_server.libs.github.pacer import PacerLimits
from webhook_server.libs.github.transport import PACER

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


@pytest.fixture(autouse=True)
def unpaced_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """First bootstraps write ~25 times per repository; GitHub's write pacing (20 burst, then 80/min) would
    make every test wait seconds. The pacer has its own tests; here it only lets writes through."""
    monkeypatch.setattr(PACER, "limits", PacerLimits(max_concurrent=10, writes_per_minute=60_000.0, write_burst=1000))
