"""Intake fuzzing against the real server process: thousands of seeded random header/body combinations,
signed and unsigned. Never a 5xx, never a traceback in the log, healthy afterwards, and every accepted
delivery ends in the ledger with a final status. Seed: `INTAKE_FUZZ_SEED` (default fixed)."""

import asyncio
import os
import sqlite3
import time
from collections import Counter
from pathlib import Path

import httpx

from webhook_server.tests.e2e.harness import WEBHOOK_SECRET, server_config
from webhook_server.tests.e2e.intake_fuzz import FuzzRequest, IntakeFuzzer
from webhook_server.tests.e2e.server_process import ServerProcess, write_private_key
from webhook_server.tests.fake_github.api import FakeGitHub

REPO = "org/repo"
REQUESTS = 2_000
CONCURRENCY = 8
FINAL = ("succeeded", "failed")


async def _send_all(base_url: str, requests: list[FuzzRequest]) -> list[tuple[FuzzRequest, int]]:
    results: list[tuple[FuzzRequest, int]] = []
    queue: asyncio.Queue[FuzzRequest] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            request = queue.get_nowait()
            response = await client.post("/webhook_server", content=request.body, headers=request.headers)
            results.append((request, response.status_code))

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return results


def _ledger_statuses(data_dir: Path) -> Counter[str]:
    with sqlite3.connect(data_dir / "webhook-ledger.sqlite3", timeout=10) as connection:
        return Counter(status for (status,) in connection.execute("SELECT status FROM deliveries"))


def _wait_until_all_final(data_dir: Path, timeout: float) -> Counter[str]:
    deadline = time.monotonic() + timeout
    while True:
        statuses = _ledger_statuses(data_dir)
        if set(statuses) <= set(FINAL) or time.monotonic() > deadline:
            return statuses
        time.sleep(0.2)


async def test_random_requests_never_break_the_server(fake_github: FakeGitHub, tmp_path: Path) -> None:
    seed = int(os.environ.get("INTAKE_FUZZ_SEED", "20261204"))
    fake_github.create_repo(REPO, {"README.md": "x\n"}, collaborators={"bot-user": "admin"})
    fake_github.install_app(REPO)
    number = fake_github.open_pr(REPO, head="feature", base="main", title="feat: x", files={"x.py": "x = 1\n"})
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_private_key(data_dir, fake_github.app_private_key_pem)
    token = fake_github.create_token("bot-user")
    config = server_config(
        fake_github.base_url, [token], fake_github.app_id, {"repo": {"name": REPO}}, log_level="INFO"
    )
    fuzzer = IntakeFuzzer(seed, WEBHOOK_SECRET, REPO, number)
    requests = list(fuzzer.requests(REQUESTS))

    server = ServerProcess(data_dir, config)
    server.start()
    try:
        results = await _send_all(server.base_url, requests)
        statuses = await asyncio.to_thread(_wait_until_all_final, data_dir, 90)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            health = await client.get("/webhook_server/healthcheck")
    finally:
        server.stop()

    codes = Counter(code for _, code in results)
    print(f"seed {seed}: answers {dict(codes)}; ledger {dict(statuses)}")  # shown with -s
    server_errors = [(request.kind, request.headers, request.body[:200]) for request, code in results if code >= 500]
    assert not server_errors, f"seed {seed}: {server_errors[:3]}"
    assert codes[200] >= REQUESTS // 3, f"seed {seed}: too few accepted to be meaningful: {codes}"
    assert {400, 403} <= set(codes), codes
    assert set(statuses) <= set(FINAL), f"seed {seed}: deliveries not finished: {statuses}"
    assert sum(statuses.values()) >= 1
    assert (health.status_code, health.json()) == (200, {"status": 200, "message": "Alive"})
    log = (data_dir / "server-stdout.log").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, (
        f"seed {seed}: " + log[log.index("Traceback") - 2_000 : log.index("Traceback") + 3_000]
    )
