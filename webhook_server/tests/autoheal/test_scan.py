"""The deliveries scan against the fake GitHub: cursor pages are followed, and paging stops at the first
delivery older than the window (GitHub lists newest first)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from webhook_server.libs.autoheal import redeliver
from webhook_server.libs.autoheal.hooks import REPOSITORY_HOOK, ManagedHook
from webhook_server.libs.autoheal.redeliver import list_attempts
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
