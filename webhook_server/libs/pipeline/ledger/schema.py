"""The ledger's versioned schema on both backends, and opening a ledger database.

SQLite: WAL mode, durable intake commits, version in `PRAGMA user_version`. PostgreSQL: the same tables
with PostgreSQL's types, version in the `ledger_schema` table, migrations serialised across replicas by an
advisory lock. Each numbered migration means the same on both backends.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from webhook_server.libs.pipeline.ledger.database import (
    Database,
    Dialect,
    PostgresDatabase,
    Row,
    SqliteDatabase,
    for_update,
    transaction,
)
from webhook_server.utils.private_files import create_private

_V1_TABLES = """
CREATE TABLE deliveries (
    seq {serial},
    delivery_id TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    action TEXT,
    repository TEXT NOT NULL,
    ordering_key TEXT NOT NULL,
    headers TEXT NOT NULL,
    body {blob} NOT NULL,
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
    job_id {serial},
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
    check_run_id BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (repository, head_sha, name)
);
CREATE INDEX check_runs_by_age ON check_runs (created_at)
"""

# Version 2: work held by a replica (owner, lease), what other replicas ask of a job it holds (restart, cancel),
# lane phases that ended, and the replicas themselves.
_V2_CLUSTER = """
ALTER TABLE deliveries ADD COLUMN owner TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until TEXT;
ALTER TABLE deliveries ADD COLUMN lane_released_at TEXT;
CREATE INDEX deliveries_by_lane ON deliveries (ordering_key, status, seq);
ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
ALTER TABLE jobs ADD COLUMN requested TEXT;
CREATE TABLE replicas (
    replica_id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    started_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
);
CREATE TABLE merge_evaluations (
    pr_key TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    hook_id TEXT NOT NULL
)
"""

_TYPES = {
    Dialect.SQLITE: {"serial": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB"},
    Dialect.POSTGRESQL: {"serial": "BIGSERIAL PRIMARY KEY", "blob": "BYTEA"},
}


def _v3_compress_bodies(database: Database) -> None:
    """Version 3: delivery bodies are compressed with the cheapest method the backend offers.

    PostgreSQL compresses a body of more than 2 KB on insert; its default method, pglz, cost about 230 µs of
    database CPU per 22 KB `pull_request` body, lz4 about 75 µs and a smaller table. lz4 is used where the
    server was built with it (PostgreSQL 14 and later list it in `default_toast_compression`); rows written
    before keep their method. SQLite does not compress: nothing to change.
    """
    if database.dialect is Dialect.POSTGRESQL and _offers_lz4(database):
        database.execute("ALTER TABLE deliveries ALTER COLUMN body SET COMPRESSION lz4")


def _offers_lz4(database: Database) -> bool:
    row = database.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'").fetchone()
    return row is not None and "lz4" in (row["enumvals"] or [])


Migration = str | Callable[[Database], None]  # SQL statements formatted with `_TYPES`, or a step in code
MIGRATIONS: tuple[Migration, ...] = (_V1_TABLES, _V2_CLUSTER, _v3_compress_bodies)  # N is MIGRATIONS[N - 1]
SCHEMA_VERSION = len(MIGRATIONS)
_MIGRATION_LOCK = 0x1ED6E5  # the advisory lock replicas take while one of them migrates


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


def connect(path: Path) -> SqliteDatabase:
    """Open (creating if needed) the SQLite ledger at `path` in WAL mode; intake records sync per commit."""
    create_private(path)  # SQLite gives the -wal and -shm files the database file's mode
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=10000")
    return _migrated(SqliteDatabase(connection))


def connect_postgres(url: str, session_name: str) -> PostgresDatabase:
    """Open a PostgreSQL ledger at `url` as session `session_name`, creating or upgrading its tables (one
    replica at a time)."""
    return _migrated(PostgresDatabase.connect(url, session_name))


_D = TypeVar("_D", SqliteDatabase, PostgresDatabase)


def _migrated(database: _D) -> _D:
    try:
        migrate(database)
    except BaseException:
        database.close()
        raise
    return database


def migrate(database: Database) -> None:
    """Apply the migrations the database lacks, in order, in one transaction; refuse a newer schema."""
    with transaction(database):
        version = _schema_version(database)
        if version > SCHEMA_VERSION:
            raise LedgerSchemaError(f"ledger schema version {version} is newer than supported {SCHEMA_VERSION}")
        for migration in MIGRATIONS[version:]:
            _apply(database, migration)
        _set_schema_version(database, SCHEMA_VERSION)


def _apply(database: Database, migration: Migration) -> None:
    if callable(migration):
        migration(database)
        return
    for statement in migration.format(**_TYPES[database.dialect]).split(";"):
        if statement.strip():
            database.execute(statement)


def _schema_version(database: Database) -> int:
    if database.dialect is Dialect.SQLITE:
        return int(database.execute("PRAGMA user_version").fetchone()[0])
    database.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
    database.execute("CREATE TABLE IF NOT EXISTS ledger_schema (version INTEGER NOT NULL)")
    row = database.execute("SELECT MAX(version) AS version FROM ledger_schema").fetchone()
    return int(row["version"] or 0)


def _set_schema_version(database: Database, version: int) -> None:
    if database.dialect is Dialect.SQLITE:
        database.execute(f"PRAGMA user_version={int(version)}")
    else:
        database.execute("DELETE FROM ledger_schema")
        database.execute("INSERT INTO ledger_schema (version) VALUES (?)", (version,))


ABANDON_AFTER_ATTEMPTS = 3
ABANDONED_ERROR = f"abandoned after {ABANDON_AFTER_ATTEMPTS} attempts"


@dataclass(frozen=True)
class Claim:
    """The replica taking rows over, and until when its lease holds without a heartbeat."""

    owner: str
    lease_until: str


def requeue_unfinished(
    connection: Database,
    table: str,
    key: str,
    claim: Claim,
    *,
    where: str = "",
    parameters: tuple[object, ...] = (),
) -> list[tuple[Row, int]]:
    """Rows of `table` left `queued` or `running` (intake.md §4.3), in `key` order, each set back to
    `queued` with its attempts and held by `claim`. A running row was interrupted: it gets `attempts + 1`,
    and on reaching the limit it is marked failed (`abandoned after 3 attempts`) and left out. Call inside a
    transaction. `where` narrows the rows (`AND ...` with `?` placeholders for `parameters`); on PostgreSQL
    rows another replica is taking over at the same moment are skipped.

    `table`, `key` and `where` are the ledger's own SQL, never input.
    """
    requeued: list[tuple[Row, int]] = []
    rows = connection.execute(
        f"SELECT * FROM {table} WHERE status IN ('queued', 'running'){where}"  # noqa: S608
        f" ORDER BY {key}{for_update(connection)}",
        parameters,
    ).fetchall()
    for row in rows:
        attempts: int = row["attempts"]
        if row["status"] == "running":
            attempts += 1
            if attempts >= ABANDON_AFTER_ATTEMPTS:
                connection.execute(
                    f"UPDATE {table} SET status = 'failed', attempts = ?, outcome = 'failed', error = ?,"  # noqa: S608
                    f" completed_at = ?, owner = NULL, lease_until = NULL WHERE {key} = ?",
                    (attempts, ABANDONED_ERROR, utc_now_text(), row[key]),
                )
                continue
        connection.execute(
            f"UPDATE {table} SET status = 'queued', attempts = ?, started_at = NULL, owner = ?,"  # noqa: S608
            f" lease_until = ? WHERE {key} = ?",
            (attempts, claim.owner, claim.lease_until, row[key]),
        )
        requeued.append((row, attempts))
    return requeued
