"""The test PostgreSQL server: it answers queries, its databases are independent, and stopping it ends the
postmaster and removes its directory."""

from __future__ import annotations

import psycopg
import pytest

from webhook_server.tests.postgres_server import PostgresServer, PostgresServerError, postmaster_running


def test_a_fresh_database_answers_select_1(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("select 1").fetchone() == (1,)
        assert connection.info.host == "127.0.0.1"


def test_two_databases_are_independent(postgres_server: PostgresServer) -> None:
    first, second = postgres_server.create_database(), postgres_server.create_database()
    assert first != second
    with psycopg.connect(first) as connection:
        connection.execute("create table marker (value text)")
        connection.execute("insert into marker values ('first')")
    with psycopg.connect(second) as connection:
        found = connection.execute("select count(*) from pg_tables where tablename = 'marker'").fetchone()
        assert found == (0,), "a table made in one database is not seen in another"
    with psycopg.connect(first) as connection:
        assert connection.execute("select value from marker").fetchall() == [("first",)]
    postgres_server.drop_database(first)
    postgres_server.drop_database(second)


def test_drop_database_ends_open_sessions(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database()
    left_open = psycopg.connect(url)
    try:
        postgres_server.drop_database(url)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url).close()
    finally:
        left_open.close()


def test_stop_leaves_no_postmaster_and_no_directory(postgres_server: PostgresServer) -> None:
    server = PostgresServer().start()
    pid, root = server.pid, server.root
    assert pid is not None
    assert root is not None
    assert postmaster_running(pid)
    url = server.create_database()
    session = psycopg.connect(url)  # an open session does not hold the fast stop up

    server.stop()

    session.close()
    assert not postmaster_running(pid)
    assert not root.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2).close()
    server.stop()  # a second stop is a no-op


def test_a_server_that_was_not_started_has_no_url_paths(postgres_server: PostgresServer) -> None:
    server = PostgresServer()
    with pytest.raises(PostgresServerError, match="not started"):
        _ = server.data_dir
    server.stop()  # nothing to stop
