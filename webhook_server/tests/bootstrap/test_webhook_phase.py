"""Webhooks against the fake GitHub: create, update in place, secret rotation, URL change, duplicates,
foreign and stale-looking hooks, events, no webhook-ip, and a refused hook listing."""

import logging
from pathlib import Path

import pytest

from webhook_server.tests.bootstrap.world import WEBHOOK_SECRET, WEBHOOK_URL, World, make_world
from webhook_server.tests.fake_github.api import FakeGitHub


def our_hooks(world: World, full_name: str) -> list[dict[str, object]]:
    return world.fake.hooks(full_name)


async def test_hook_created_with_desired_config(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    results = await world.bootstrap()
    assert results[full_name].ok
    [hook] = fake_github.hooks(full_name)
    assert hook["config"] == {
        "url": WEBHOOK_URL,
        "content_type": "json",
        "insecure_ssl": "0",
        "secret": WEBHOOK_SECRET,
    }
    assert hook["events"] == ["*"]
    assert hook["active"] is True
    assert hook["name"] == "web"


async def test_events_from_the_repository_entry(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets", {"events": ["push", "pull_request"]})
    fake_github.register_hook(full_name, WEBHOOK_URL, secret=WEBHOOK_SECRET, events=("*",))
    await world.bootstrap()
    [hook] = fake_github.hooks(full_name)
    assert hook["events"] == ["push", "pull_request"]


async def test_existing_hook_updated_and_secret_sent(fake_github: FakeGitHub, tmp_path: Path) -> None:
    """A hook from before (e.g. the reference server) gets the complete config and the secret once."""
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    hook_id = fake_github.register_hook(full_name, WEBHOOK_URL, secret="some-old-secret")
    await world.bootstrap()
    [hook] = fake_github.hooks(full_name)
    assert hook["id"] == hook_id
    assert hook["config"]["secret"] == WEBHOOK_SECRET
    assert [call.method for call in world.writes(f"/repos/{full_name}/hooks")] == ["PATCH"]


async def test_rotated_secret_reaches_github_and_unchanged_secret_is_not_rewritten(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    await world.bootstrap()
    fake_github.clear_request_log()
    await world.bootstrap()
    assert world.writes(f"/repos/{full_name}/hooks") == []
    world.root["webhook-secret"] = "bootstrap-secret-2"
    await world.bootstrap()
    [hook] = fake_github.hooks(full_name)
    assert hook["config"]["secret"] == "bootstrap-secret-2"
    assert [call.method for call in world.writes(f"/repos/{full_name}/hooks")] == ["PATCH"]


async def test_secret_removed_from_config_is_cleared(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    await world.bootstrap()
    world.root["webhook-secret"] = None
    await world.bootstrap()
    [hook] = fake_github.hooks(full_name)
    assert "secret" not in hook["config"]


async def test_url_change_moves_our_hook_instead_of_adding_one(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    await world.bootstrap()
    [before] = fake_github.hooks(full_name)
    world.root["webhook-ip"] = "http://127.0.0.1:10/webhook_server"
    await world.bootstrap()
    [after] = fake_github.hooks(full_name)
    assert after["id"] == before["id"]
    assert after["config"]["url"] == "http://127.0.0.1:10/webhook_server"
    assert after["config"]["secret"] == WEBHOOK_SECRET


async def test_unknown_hook_at_an_old_url_is_left_with_a_warning(
    fake_github: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Without a record of writing it, a hook at another URL may belong to another server: never touched."""
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    old = fake_github.register_hook(full_name, "http://127.0.0.1:11/webhook_server", secret="x")
    foreign = fake_github.register_hook(full_name, "http://127.0.0.1:12/github", events=("push",))
    with caplog.at_level(logging.WARNING):
        await world.bootstrap()
    hooks = {hook["id"]: hook for hook in fake_github.hooks(full_name)}
    assert len(hooks) == 3
    assert hooks[old]["config"]["url"] == "http://127.0.0.1:11/webhook_server"
    assert hooks[foreign]["events"] == ["push"]
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any(f"webhook {old} points at http://127.0.0.1:11/webhook_server" in text for text in warnings)
    assert not any(f"webhook {foreign} " in text for text in warnings)


async def test_duplicates_of_our_url_are_deleted(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    first = fake_github.register_hook(full_name, WEBHOOK_URL, secret=WEBHOOK_SECRET)
    fake_github.register_hook(full_name, WEBHOOK_URL + "/", secret=WEBHOOK_SECRET)
    await world.bootstrap()
    [hook] = fake_github.hooks(full_name)
    assert hook["id"] == first


async def test_substring_url_is_not_our_hook(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    longer = fake_github.register_hook(full_name, WEBHOOK_URL + "/extra")
    await world.bootstrap()
    hooks = {hook["id"]: hook["config"]["url"] for hook in fake_github.hooks(full_name)}
    assert hooks[longer] == WEBHOOK_URL + "/extra"
    assert sorted(hooks.values()) == [WEBHOOK_URL, WEBHOOK_URL + "/extra"]


async def test_no_webhook_ip_skips_the_phase_with_one_warning(
    fake_github: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(fake_github, tmp_path)
    world.root["webhook-ip"] = None
    first = world.add_repo("widgets")
    second = world.add_repo("gadgets")
    with caplog.at_level(logging.WARNING):
        results = await world.bootstrap()
    assert results[first].ok
    assert "webhook" in results[second].skipped
    assert fake_github.hooks(first) == []
    assert caplog.text.count("webhook-ip is not set") == 1


async def test_hook_listing_refused_is_an_error_and_recovery_still_runs(
    fake_github: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    fake_github.fail_next(1, 403, f"/repos/{full_name}/hooks", message="Must have admin rights to Repository.")
    with caplog.at_level(logging.ERROR):
        results = await world.bootstrap()
    assert results[full_name].summary_line() == (
        f"Bootstrap {full_name}: failed (webhook: listing hooks failed: 403 Must have admin rights to Repository.)"
    )
    assert "admin:repo_hook" in caplog.text
    assert fake_github.calls("GET", f"/repos/{full_name}/pulls"), "recovery ran after the webhook failure"
