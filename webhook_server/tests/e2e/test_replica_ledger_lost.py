"""A replica whose PostgreSQL session ends (the database restarted, a network cut) has lost its lane locks:
it stops with exit code 3 instead of processing on without them, and a new start rejoins and does the work."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import psycopg

from webhook_server.tests.commands.world import AUTHOR, REPO
from webhook_server.tests.e2e.replica_support import (
    comment_delivery,
    post,
    repository_with_prs,
    role_replica,
    wait_all_finished,
)
from webhook_server.tests.e2e.server_process import ServerProcess
from webhook_server.tests.fake_github.api import FakeGitHub

EXIT_LEDGER_LOST = 3


def _end_replica_sessions(postgres_url: str) -> int:
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'webhook-server %'"
        ).fetchall()
    return len(rows)


def _exit_code(server: ServerProcess, timeout: float) -> int | None:
    assert server.process is not None
    deadline = time.monotonic() + timeout
    while server.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    return server.process.poll()


async def test_a_replica_that_lost_its_ledger_session_stops_and_a_restart_rejoins(
    fake_github: FakeGitHub, postgres_url: str, tmp_path: Path
) -> None:
    fake = fake_github
    token, [number] = repository_with_prs(fake, 1)
    intake = role_replica(fake, token, postgres_url, tmp_path / "intake", "intake")
    worker = role_replica(fake, token, postgres_url, tmp_path / "worker", "worker")
    intake.start(timeout=60)
    worker.start(timeout=60)
    try:
        ended = _end_replica_sessions(postgres_url)
        codes = (_exit_code(worker, timeout=30), _exit_code(intake, timeout=30))
        intake.start(timeout=60)
        worker.start(timeout=60)
        async with httpx.AsyncClient(timeout=30) as client:
            hold_id, _, hold = await comment_delivery(fake, number, "/hold", AUTHOR)
            accepted = await post(client, intake.base_url, hold_id, hold)
            await wait_all_finished(postgres_url, timeout=60)
    finally:
        intake.stop()
        worker.stop()

    assert ended == 2
    assert codes == (EXIT_LEDGER_LOST, EXIT_LEDGER_LOST)
    for server in (intake, worker):
        log = (server.data_dir / "server-stdout.log").read_text()
        assert "Lost the connection to the shared ledger" in log
    assert accepted.status_code == 200
    assert "hold" in fake.labels(REPO, number)
