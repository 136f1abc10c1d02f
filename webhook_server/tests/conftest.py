"""Shared pytest configuration: registers the fixture plugins of the suite, and the real PostgreSQL server
(`postgres_server`, one per xdist worker) with a fresh database per test (`postgres_url`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from webhook_server.tests.postgres_server import PostgresServer

pytest_plugins = [
    "webhook_server.tests.fake_github.fixtures",
]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for this test process (each xdist worker has its own), stopped at the end.
    Skips when Debian's `postgresql` package is missing (`.ci/run` installs it, so CI never skips)."""
    reason = PostgresServer.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    with PostgresServer() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty database of its own, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)
