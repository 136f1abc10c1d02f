"""An intake-only replica and a worker-only replica on one PostgreSQL ledger: the intake acknowledges and
records, the worker refuses deliveries and processes what the intake recorded, also what was recorded while
no worker ran."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import psutil

from webhook_server.tests.commands.world import APPROVER, AUTHOR, REPO
from webhook_server.tests.e2e.replica_support import (
    comment_delivery,
    delivery_row,
    post,
    repository_with_prs,
    role_replica,
    wait_all_finished,
)
from webhook_server.tests.e2e.server_process import ServerProcess
from webhook_server.tests.fake_github.api import FakeGitHub


def thread_niceness(server: ServerProcess) -> set[int]:
    """The niceness of every thread of a running server process."""
    assert server.process is not None
    threads = psutil.Process(server.process.pid).threads()
    assert len(threads) > 1  # the ledger thread and executors exist by now
    return {os.getpriority(os.PRIO_PROCESS, thread.id) for thread in threads}


async def test_intake_records_and_the_worker_processes(
    fake_github: FakeGitHub, postgres_url: str, tmp_path: Path
) -> None:
    fake = fake_github
    token, [number] = repository_with_prs(fake, 1)
    intake = role_replica(fake, token, postgres_url, tmp_path / "intake", "intake")
    worker = role_replica(fake, token, postgres_url, tmp_path / "worker", "worker")
    intake.start(timeout=60)
    worker.start(timeout=60)
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            hold_id, _, hold = await comment_delivery(fake, number, "/hold", AUTHOR)
            refused = await post(client, worker.base_url, hold_id, hold)
            accepted = await post(client, intake.base_url, hold_id, hold)
            await wait_all_finished(postgres_url, timeout=60)
            labels_after_hold = fake.labels(REPO, number)
            intake_niceness, worker_niceness = thread_niceness(intake), thread_niceness(worker)

            worker.stop()
            cancel_id, _, cancel = await comment_delivery(fake, number, "/hold cancel", APPROVER)
            accepted_without_worker = await post(client, intake.base_url, cancel_id, cancel)
            await asyncio.sleep(2)
            while_no_worker = delivery_row(postgres_url, cancel_id)
            worker.start(timeout=60)
            await wait_all_finished(postgres_url, timeout=60)
    finally:
        intake.stop()
        worker.stop()

    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert intake_niceness == {base}  # the intake keeps its priority
    assert worker_niceness == {19}  # worker-niceness default, on every thread it started
    assert refused.status_code == 503
    assert refused.json() == {"detail": "this replica does not accept deliveries (role worker)"}
    assert accepted.status_code == 200
    assert accepted.json()["message"] == "Webhook queued for processing"
    assert "hold" in labels_after_hold
    assert accepted_without_worker.status_code == 200
    assert while_no_worker is not None
    assert while_no_worker[0] == "queued"  # the intake never processes
    assert "hold" not in fake.labels(REPO, number)
    for delivery_id in (hold_id, cancel_id):
        row = delivery_row(postgres_url, delivery_id)
        assert row is not None
        assert row[:2] == ("succeeded", "success")
    cancel_row = delivery_row(postgres_url, cancel_id)
    assert worker.process is not None
    assert cancel_row is not None
    assert f"-{worker.process.pid}-" in str(cancel_row[2])  # processed by the restarted worker
    intake_log = (intake.data_dir / "server-stdout.log").read_text()
    assert "started as intake only" in intake_log
    assert "Running /hold" not in intake_log
