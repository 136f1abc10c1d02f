"""Fixtures of the ledger tests: a real ledger file in a temporary directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from webhook_server.libs.pipeline.ledger import LEDGER_FILE_NAME, Ledger


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    """Where the test's ledger file lives."""
    return tmp_path / "data" / LEDGER_FILE_NAME


@pytest.fixture
async def ledger(ledger_path: Path) -> AsyncIterator[Ledger]:
    """An open ledger on a fresh SQLite file, closed after the test."""
    opened = await Ledger.open(ledger_path)
    yield opened
    await opened.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_ledger(request: pytest.FixtureRequest, ledger_path: Path) -> AsyncIterator[Ledger]:
    """An open ledger on each backend: a fresh SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        opened = await Ledger.open(ledger_path)
    else:
        opened = await Ledger.open_shared(request.getfixturevalue("postgres_url"))
    yield opened
    await opened.close()
