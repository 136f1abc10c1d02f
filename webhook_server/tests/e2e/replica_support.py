"""What the replica tests share: the config of a replica on a PostgreSQL ledger, comment deliveries made in
the fake GitHub, signed posting, and reading the shared ledger."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from webhook_server.tests.commands.world import API_USER, AUTHOR, REPO, create_repository
from webhook_server.tests.e2e.harness import WEBHOOK_SECRET, server_config
from webhook_server.tests.e2e.server_process import ServerProcess, write_private_key
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.utils.signature import sign_body

LEASE_SECONDS = 3


def repository_with_prs(fake: FakeGitHub, count: int) -> tuple[str, list[int]]:
    """The command tests' repository (OWNERS, people) with `count` open PRs by their author; returns the API
    user's token and the PR numbers."""
    create_repository(fake, REPO)
    token = fake.create_token(API_USER)
    numbers = [
        fake.open_pr(
            REPO, head=f"change-{index}", title="feat: change", author=AUTHOR, files={"src/app.py": f"{index}\n"}
        )
        for index in range(count)
    ]
    return token, numbers


def replica_config(fake: FakeGitHub, token: str, postgres_url: str) -> dict[str, Any]:
    """config.yaml of a replica of the test repository on the shared ledger (writes not paced)."""
    return server_config(
        fake.base_url,
        [token],
        fake.app_id,
        {"repo": {"name": REPO}},
        ledger_url=postgres_url,
        ledger_lease_seconds=LEASE_SECONDS,
        max_workers=4,
        log_level="INFO",
        github_writes_per_minute=60_000,
        auto_heal={"redeliver": False, "reconcile-interval-hours": 0},
    )


def role_replica(fake: FakeGitHub, token: str, postgres_url: str, data_dir: Path, role: str) -> ServerProcess:
    """A server process (not started) of the test repository on the shared ledger, in `role`, with its own
    data dir."""
    data_dir.mkdir()
    write_private_key(data_dir, fake.app_private_key_pem)
    return ServerProcess(data_dir, replica_config(fake, token, postgres_url), args=["--role", role])


async def comment_delivery(fake: FakeGitHub, number: int, body: str, author: str) -> tuple[str, int, bytes]:
    """Comment on a PR in the fake; returns the delivery id, the comment id and GitHub's payload."""
    comment_id = await asyncio.to_thread(fake.comment, REPO, number, body, author=author)
    payload = next(
        delivery.payload
        for delivery in reversed(fake.deliveries("issue_comment", full_name=REPO))
        if delivery.payload["comment"]["id"] == comment_id
    )
    return f"comment-{comment_id}", comment_id, json.dumps(payload).encode()


def signed_headers(delivery_id: str, body: bytes, event: str = "issue_comment") -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id,
        "X-Hub-Signature-256": sign_body(WEBHOOK_SECRET, body),
    }


async def post(client: httpx.AsyncClient, base_url: str, delivery_id: str, body: bytes) -> httpx.Response:
    return await client.post(f"{base_url}/webhook_server", content=body, headers=signed_headers(delivery_id, body))


def unfinished(postgres_url: str) -> list[tuple[object, ...]]:
    """Deliveries still queued or running, with who holds them."""
    with psycopg.connect(postgres_url) as connection:
        return connection.execute(
            "SELECT delivery_id, status, owner, started_at, lane_released_at, lease_until, attempts FROM deliveries"
            " WHERE status IN ('queued', 'running') ORDER BY seq"
        ).fetchall()


async def wait_all_finished(postgres_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while pending := unfinished(postgres_url):
        assert time.monotonic() < deadline, pending
        await asyncio.sleep(0.2)


def delivery_row(postgres_url: str, delivery_id: str) -> tuple[str, str | None, str | None] | None:
    """(status, outcome, owner) of one delivery, or None when the ledger has no such delivery."""
    with psycopg.connect(postgres_url) as connection:
        row = connection.execute(
            "SELECT status, outcome, owner FROM deliveries WHERE delivery_id = %s", (delivery_id,)
        ).fetchone()
    return None if row is None else (row[0], row[1], row[2])


def rows(postgres_url: str) -> dict[str, tuple[str, str | None, str | None]]:
    with psycopg.connect(postgres_url) as connection:
        found = connection.execute("SELECT delivery_id, status, outcome, owner FROM deliveries").fetchall()
    return {delivery_id: (status, outcome, owner) for delivery_id, status, outcome, owner in found}
