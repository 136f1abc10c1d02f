"""The deliveries scan against the fake GitHub: cursor pages are followed, and paging stops at the first
delivery older than the window (GitHub lists newest first)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from webhook_server.libs.autoheal import redeliver
from webhook_server.libs.autoheal.hooks import REPOSITORY_HOOK, ManagedHook
from webhook_server.libs.autoheal.redeliver import Redeliverer, list_attempts
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.rules import redelivery
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.conftest import pygithub

REPO = "org/repo"


def _comments(fake: FakeGitHub, number: int, count: int) -> None:
    for index in range(count):
        fake.comment(REPO, number, f"comment {index}", author="alice")
    fake.wait_for_deliveries_sent()


async def test_scan_follows_cursor_pages_and_stops_at_the_window(
    fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redeliver, "PER_PAGE", 2)
    fake_github.create_repo(REPO, {"README.md": "x\n"}, collaborators={"alice": "admin"})
    token = fake_github.create_token("alice")
    hook_id = fake_github.register_hook(REPO, "http://127.0.0.1:1/webhook_server", events=["issue_comment"])
    number = fake_github.create_issue(REPO, "bug", "body", author="alice")
    _comments(fake_github, number, 2)
    await asyncio.sleep(1.5)  # `delivered_at` has one-second resolution
    since = datetime.now(UTC)
    await asyncio.sleep(1.0)
    _comments(fake_github, number, 3)
    client = pygithub(fake_github, token)
    path = f"/repos/{REPO}/hooks/{hook_id}/deliveries"
    hook = ManagedHook(REPO, REPOSITORY_HOOK, path, client.requester)
    fake_github.clear_request_log()

    recent = await list_attempts(hook, since)
    everything = await list_attempts(hook, datetime.fromtimestamp(time.time() - 3600, UTC))

    newest = [delivery.guid for delivery in fake_github.deliveries("issue_comment")][::-1]
    assert [attempt.guid for attempt in recent] == newest[:3]
    assert [attempt.guid for attempt in everything] == newest
    listings = fake_github.calls("GET", path)
    assert len(listings) == 2 + 3, "two pages reach the window's edge; all five need three pages"
    assert all(attempt.status_code == 0 and not attempt.succeeded for attempt in everything)


async def test_a_delivery_arriving_after_the_start_does_not_hide_the_gap(
    fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(redelivery, "CLOCK_SKEW", timedelta(0))
    fake_github.create_repo(REPO, {"README.md": "x\n"}, collaborators={"alice": "admin"})
    token = fake_github.create_token("alice")
    hook_id = fake_github.register_hook(REPO, "http://127.0.0.1:1/webhook_server", events=["issue_comment"])
    ledger = await Ledger.open(tmp_path / "ledger.sqlite3")
    try:
        await _record(ledger, "before-the-stop", datetime.now(UTC) - timedelta(hours=1))
        redeliverer = Redeliverer(ledger, await ledger.latest_received_at())
        number = fake_github.create_issue(REPO, "bug", "body", author="alice")
        _comments(fake_github, number, 1)  # missed while down
        await asyncio.sleep(2.0)
        await _record(ledger, "live-after-the-start", datetime.now(UTC))
        client = pygithub(fake_github, token)
        path = f"/repos/{REPO}/hooks/{hook_id}/deliveries"
        hook = ManagedHook(REPO, REPOSITORY_HOOK, path, client.requester)

        requested = await redeliverer.scan([hook], datetime.now(UTC), timedelta(hours=24))
        again = await redeliverer.scan([hook], datetime.now(UTC), timedelta(hours=24))
    finally:
        await ledger.close()

    assert (requested, again) == (1, 0)
    [missed] = [delivery for delivery in fake_github.deliveries("issue_comment") if not delivery.redelivery]
    assert len(fake_github.calls("POST", f"{path}/{missed.id}/attempts")) == 1


async def _record(ledger: Ledger, delivery_id: str, received_at: datetime) -> None:
    await ledger.record(
        header_delivery_id=delivery_id,
        event="ping",
        action=None,
        repository_full_name=REPO,
        ordering_key=f"repo:{REPO}",
        headers={},
        body=b"{}",
        received_at=received_at,
    )
