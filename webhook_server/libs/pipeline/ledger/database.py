"""One connection to the ledger's database, SQLite or PostgreSQL, behind the same small interface.

The table modules write their SQL once, with `?` placeholders and named result columns; `Database` runs it
on either backend. A `Database` is used from the ledger's single thread only.
"""

from __future__ import annotations

import enum
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

import psycopg
from psycopg.rows import dict_row

Row = Mapping[str, Any]
POSTGRES_URL = re.compile(r"^postgres(ql)?://")
IDS_PER_STATEMENT = 200  # far below SQLite's 32,766 parameters and PostgreSQL's 65,535
_T = TypeVar("_T")


class Dialect(enum.StrEnum):
    """The backend a `Database` talks to."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


class Result(Protocol):
    """What `Database.execute` returns: the rows of a query, and how many rows a change touched."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Database(Protocol):
    """The operations the ledger's table modules use."""

    dialect: Dialect

    def execute(self, sql: str, parameters: Sequence[object] = ()) -> Result: ...

    def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> list[Any]:
        """Run one statement per parameter row; the rows the statements returned, in order."""
        ...

    def close(self) -> None: ...

    @property
    def lost(self) -> bool:
        """The connection broke (the server restarted, the network went away): the session and its locks
        are gone, and nothing more can be done on it."""
        ...


DatabaseError = (sqlite3.Error, psycopg.Error)


class SqliteDatabase:
    """A SQLite connection (autocommit mode: transactions are explicit, see `transaction`)."""

    dialect = Dialect.SQLITE

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, parameters: Sequence[object] = ()) -> Result:
        return self.connection.execute(sql, tuple(parameters))

    def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> list[Any]:
        returned: list[Any] = []
        for parameters in rows:  # in-process: a statement costs no round trip, and sqlite3 caches it
            returned += self.connection.execute(sql, tuple(parameters)).fetchall()
        return returned

    def close(self) -> None:
        self.connection.close()

    @property
    def lost(self) -> bool:
        return False  # a local file has no session to lose


class PostgresDatabase:
    """A psycopg 3 connection in autocommit mode; `?` placeholders become `%s`, rows are dicts."""

    dialect = Dialect.POSTGRESQL

    def __init__(self, connection: psycopg.Connection[dict[str, Any]]) -> None:
        self.connection = connection

    @classmethod
    def connect(cls, url: str, session_name: str) -> PostgresDatabase:
        """Open a connection with TCP keepalives, so a vanished peer ends the session (and its locks)."""
        connection = psycopg.connect(
            url,
            autocommit=True,
            row_factory=dict_row,
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
            application_name=session_name,
        )
        return cls(connection)

    def execute(self, sql: str, parameters: Sequence[object] = ()) -> Result:
        return self.connection.execute(to_postgres_placeholders(sql), tuple(parameters))

    def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> list[Any]:
        """Pipelined: one round trip for all rows, and one short statement that psycopg converts once and
        the server prepares (a multi-row VALUES of 200 rows cost twice the client CPU and commit time)."""
        returned: list[Any] = []
        with self.connection.cursor() as cursor:
            cursor.executemany(to_postgres_placeholders(sql), rows, returning=True)
            while True:
                returned += cursor.fetchall()
                if not cursor.nextset():
                    return returned

    def close(self) -> None:
        self.connection.close()

    @property
    def lost(self) -> bool:
        return self.connection.broken


def to_postgres_placeholders(sql: str) -> str:
    """The ledger's `?` placeholders as psycopg's `%s` (a literal `%` is doubled first)."""
    return sql.replace("%", "%%").replace("?", "%s")


@contextmanager
def transaction(database: Database) -> Iterator[Database]:
    """A write transaction (SQLite takes its write lock up front), committed on success, else rolled back."""
    database.execute("BEGIN IMMEDIATE" if database.dialect is Dialect.SQLITE else "BEGIN")
    try:
        yield database
    except BaseException:
        database.execute("ROLLBACK")
        raise
    database.execute("COMMIT")


def for_update(database: Database) -> str:
    """The row-locking suffix of a claiming SELECT: PostgreSQL skips rows another replica is claiming."""
    return " FOR UPDATE SKIP LOCKED" if database.dialect is Dialect.POSTGRESQL else ""


def in_chunks(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    """`items` in slices of at most `IDS_PER_STATEMENT`, one statement's `IN (…)` list each."""
    for start in range(0, len(items), IDS_PER_STATEMENT):
        yield items[start : start + IDS_PER_STATEMENT]


def placeholders(count: int) -> str:
    """`?, ?, …` for an `IN (…)` list of `count` values."""
    return ", ".join(["?"] * count)
