"""Opens the ledger's SQLite file: WAL mode, durable commits, and the versioned table schema."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from webhook_server.utils.private_files import create_private

SCHEMA_VERSION = 1

_SCHEMA_V1 = """
CREATE TABLE deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    action TEXT,
    repository TEXT NOT NULL,
    ordering_key TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    received_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    outcome TEXT,
    error TEXT
);
CREATE INDEX deliveries_by_status ON deliveries (status, seq);
CREATE INDEX deliveries_by_completion ON deliveries (completed_at);

CREATE TABLE jobs (
    job_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    repository TEXT NOT NULL,
    pr_number INTEGER,
    head_sha TEXT,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    delivery_id TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    outcome TEXT,
    error TEXT
);
CREATE INDEX jobs_by_status ON jobs (status, job_id);
CREATE INDEX jobs_by_pr ON jobs (repository, pr_number);
CREATE INDEX jobs_by_completion ON jobs (completed_at);

CREATE TABLE effects (
    effect_key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX effects_by_age ON effects (created_at);

CREATE TABLE check_runs (
    repository TEXT NOT NULL,
    head_sha TEXT NOT NULL,
    name TEXT NOT NULL,
    check_run_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (repository, head_sha, name)
);
CREATE INDEX check_runs_by_age ON check_runs (created_at);
"""


class LedgerSchemaError(RuntimeError):
    """The ledger file was written by a newer, unknown schema version."""


def to_text(moment: datetime) -> str:
    """A timezone-aware moment as fixed-width UTC ISO text, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str | None) -> datetime | None:
    """Inverse of `to_text`; `None` stays `None`."""
    return None if text is None else datetime.fromisoformat(text)


def utc_now_text() -> str:
    """The current moment as ledger text."""
    return to_text(datetime.now(UTC))


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taken up front (BEGIN IMMEDIATE), committed on success, else rolled back."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the ledger at `path` in WAL mode; intake records sync per commit."""
    create_private(path)  # SQLite gives the -wal and -shm files the database file's mode
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=10000")
    try:
        _migrate(connection)
    except LedgerSchemaError:
        connection.close()
        raise
    return connection


def _migrate(connection: sqlite3.Connection) -> None:
    """Create the tables of a new file; refuse a file from a newer schema."""
    with transaction(connection):
        version: int = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerSchemaError(f"ledger schema version {version} is newer than supported {SCHEMA_VERSION}")
        if version == 0:
            for statement in _SCHEMA_V1.split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


ABANDON_AFTER_ATTEMPTS = 3
ABANDONED_ERROR = f"abandoned after {ABANDON_AFTER_ATTEMPTS} attempts"


def requeue_unfinished(connection: sqlite3.Connection, table: str, key: str) -> list[tuple[sqlite3.Row, int]]:
    """Rows of `table` left `queued` or `running` (intake.md §4.3), in `key` order, each set back to
    `queued` with its attempts. A running row was interrupted: it gets `attempts + 1`, and on reaching the
    limit it is marked failed (`abandoned after 3 attempts`) and left out. Call inside a transaction.

    `table` and `key` are the ledger's own names (`deliveries`/`seq`, `jobs`/`job_id`), never input.
    """
    requeued: list[tuple[sqlite3.Row, int]] = []
    rows = connection.execute(
        f"SELECT * FROM {table} WHERE status IN ('queued', 'running') ORDER BY {key}"  # noqa: S608
    ).fetchall()
    for row in rows:
        attempts: int = row["attempts"]
        if row["status"] == "running":
            attempts += 1
            if attempts >= ABANDON_AFTER_ATTEMPTS:
                connection.execute(
                    f"UPDATE {table} SET status = 'failed', attempts = ?, outcome = 'failed', error = ?,"  # noqa: S608
                    f" completed_at = ? WHERE {key} = ?",
                    (attempts, ABANDONED_ERROR, utc_now_text(), row[key]),
                )
                continue
            connection.execute(
                f"UPDATE {table} SET status = 'queued', attempts = ?, started_at = NULL WHERE {key} = ?",  # noqa: S608
                (attempts, row[key]),
            )
        requeued.append((row, attempts))
    return requeued
