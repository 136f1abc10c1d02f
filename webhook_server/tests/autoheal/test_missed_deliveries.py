"""Deliveries GitHub could not send while the server was down are asked for again at startup and processed
exactly once; a GitHub that refuses the deliveries API gets one warning per hook."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable

import pytest

from webhook_server.tests.autoheal.conftest import AUTHOR, REPO, HealEnv, quiet, until
from webhook_server.tests.e2e.harness import read_delivery

SCAN_EVERY = {"interval-minutes": 0.01, "reconcile-interval-hours": 0}  # a scan every 0.6 s; no periodic reconcile


async def test_deliveries_missed_while_down_are_redelivered_and_processed_once(
    make_heal_env: Callable[..., HealEnv],
) -> None:
    env = make_heal_env(SCAN_EVERY)
    fake = env.fake
    server = env.start()
    [hook] = fake.hooks(REPO)
    assert hook["config"]["url"] == env.webhook_url
    first = fake.open_pr(REPO, head="first", title="feat: first", files={"a.py": "a = 1\n"}, author=AUTHOR)
    await until(lambda: "size/XS" in env.labels(first), what="the first PR processed")
    await quiet(fake)
    env.stop()

    second = fake.open_pr(REPO, head="second", title="feat: second", files={"b.py": "b = 1\n"}, author=AUTHOR)
    fake.comment(REPO, first, "/hold", author=AUTHOR)
    fake.wait_for_deliveries_sent(timeout=30)
    missed = [delivery for delivery in fake.deliveries() if delivery.status_code is None]
    missed_events = {(delivery.event, delivery.action) for delivery in missed}
    assert {("pull_request", "opened"), ("issue_comment", "created")} <= missed_events
    assert all(read_delivery(env.data_dir, delivery.guid) is None for delivery in missed)

    server = env.start()
    await until(lambda: "hold" in env.labels(first), what="the missed /hold processed")
    await until(lambda: {"size/XS", "branch-main"} <= env.labels(second), what="the missed PR processed")
    await until(lambda: server.runtime.auto_heal.scans >= 3, what="three scans")
    await quiet(fake)

    for delivery in missed:
        row = await server.wait_finished(delivery.guid, timeout=60)
        assert (row.status, row.attempts) == ("succeeded", 0), "recorded once, processed once"
    redelivered = Counter(delivery.guid for delivery in fake.deliveries() if delivery.redelivery)
    assert set(redelivered) == {delivery.guid for delivery in missed}
    assert set(redelivered.values()) == {1}, "never asked for twice, although later scans saw the same deliveries"
    welcome = [comment for comment in fake.comments(REPO, second) if comment["user"]["login"] == "webhook-bot"]
    assert len(welcome) == 1
    auto_heal = server.runtime.auto_heal
    await until(lambda: auto_heal.reconciliations >= 1, what="the reconciliation after the gap")
    scans = auto_heal.scans
    await until(lambda: auto_heal.scans >= scans + 2, what="two more scans")
    assert auto_heal.reconciliations == 1, "one reconciliation after the gap, none periodic, none per scan"


async def test_a_refused_deliveries_api_warns_once_per_hook(
    make_heal_env: Callable[..., HealEnv], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="webhook_server.libs.autoheal")
    env = make_heal_env(SCAN_EVERY)
    env.fake.set_app_hook(env.webhook_url, secret=None, events=("check_run",))
    env.fake.refuse_hook_deliveries()
    server = env.start()

    await until(lambda: server.runtime.auto_heal.scans >= 4, what="four scans")

    refusals = [record for record in caplog.records if "refused to list webhook deliveries" in record.getMessage()]
    warned_hooks = sorted(str(record.args[0]) for record in refusals if isinstance(record.args, tuple))
    assert warned_hooks == ["GitHub App 424242", REPO], "one warning per hook, not one per scan"
    assert all(record.levelno == logging.WARNING for record in refusals)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    listed = env.fake.calls("GET", f"/repos/{REPO}/hooks/")
    assert len(listed) >= 4, "each scan tries again (quietly)"

    [hook] = env.fake.hooks(REPO)
    env.fake.set_hook_url(REPO, hook["id"], "http://127.0.0.1:1/webhook_server")  # this event is lost
    number = env.fake.open_pr(REPO, head="lost", title="feat: lost", files={"l.py": "x\n"}, author=AUTHOR)
    env.fake.wait_for_deliveries_sent()
    env.fake.set_hook_url(REPO, hook["id"], env.webhook_url)
    env.fake.refuse_hook_deliveries(False)  # the scope is granted

    await until(lambda: "size/XS" in env.labels(number), what="the lost event recovered once the API answers")
    assert any("can be listed again" in record.getMessage() for record in caplog.records)
