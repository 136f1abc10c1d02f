"""A check job running on a replica that is killed with SIGKILL is taken over by another replica once its
lease runs out: the surviving replica runs the command again and completes the same check run."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import psycopg

from webhook_server.tests.commands.world import API_USER
from webhook_server.tests.e2e.replica_support import LEASE_SECONDS, replica_config, signed_headers
from webhook_server.tests.e2e.server_process import ServerProcess, write_private_key
from webhook_server.tests.fake_github.api import FakeGitHub

REPO = "org/repo"
CHECK = "slow"


def _job(postgres_url: str) -> tuple[str, str | None, int] | None:
    """(status, owner, attempts) of the check's job, or None before it was created."""
    with psycopg.connect(postgres_url) as connection:
        row = connection.execute("SELECT status, owner, attempts FROM jobs WHERE name = %s", (CHECK,)).fetchone()
    return None if row is None else (row[0], row[1], row[2])


def _job_status(postgres_url: str) -> str | None:
    job = _job(postgres_url)
    return None if job is None else job[0]


async def _until(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not (callable(predicate) and predicate()):
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.1)


async def test_a_check_job_of_a_killed_replica_is_finished_by_another(
    fake_github: FakeGitHub, postgres_url: str, tmp_path: Path
) -> None:
    fake = fake_github
    fake.create_repo(REPO, {"README.md": "x\n"}, collaborators={API_USER: "admin"})
    fake.install_app(REPO)
    fake.register_hook(REPO, url="", events=["pull_request"])
    token = fake.create_token(API_USER)
    number = fake.open_pr(REPO, head="feature", title="feat: x", author="paul", files={"x.py": "x = 1\n"})
    head = fake.pull(REPO, number)["head"]["sha"]
    opened = next(delivery for delivery in fake.deliveries("pull_request", action="opened"))
    replicas = []
    for name in ("first", "second"):
        data_dir = tmp_path / name
        data_dir.mkdir()
        write_private_key(data_dir, fake.app_private_key_pem)
        config = replica_config(fake, token, postgres_url)
        config["repositories"]["repo"]["custom-check-runs"] = [{"name": CHECK, "command": "sleep 4"}]
        replicas.append(ServerProcess(data_dir, config))
    first, second = replicas
    first.start(timeout=60)
    second.start(timeout=60)
    try:
        payload = json.dumps(opened.payload).encode()
        headers = signed_headers("opened-1", payload, "pull_request")
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(f"{first.base_url}/webhook_server", content=payload, headers=headers)
        assert response.status_code == 200
        await _until(lambda: _job_status(postgres_url) == "running", timeout=60)
        running_on = _job(postgres_url)
        first.kill()
        killed_at = time.monotonic()
        await _until(lambda: fake.check_run_conclusions(REPO, head).get(CHECK) == "success", timeout=60)
        finished_after = time.monotonic() - killed_at
    finally:
        first.stop()
        second.stop()

    finished = _job(postgres_url)
    assert finished is not None
    status, owner, attempts = finished
    assert first.process is not None
    assert second.process is not None
    assert running_on is not None
    assert f"-{first.process.pid}-" in str(running_on[1])
    assert (status, attempts) == ("succeeded", 1)
    assert f"-{second.process.pid}-" in str(owner)  # the survivor ran it again
    assert finished_after >= LEASE_SECONDS  # only once the dead replica's lease ran out
    assert len(fake.check_runs(REPO, head, CHECK)) == 1  # the same check run, completed in place
