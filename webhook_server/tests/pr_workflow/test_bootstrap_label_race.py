"""A PR opened while the startup bootstrap is still creating labels: both create labels, GitHub refuses the
second create of a name with 422 `already_exists`, and neither side fails. A label a person created by hand
in another colour meanwhile gets its configured colour."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from webhook_server.libs.rules.label_sync import bootstrap_labels
from webhook_server.libs.rules.labels import enabled_categories
from webhook_server.libs.rules.size import DEFAULT_SIZE_BUCKETS, SizeThresholds
from webhook_server.tests.e2e.harness import InProcessServer, server_config, write_data_dir
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.pr_workflow.conftest import REPO, PrEnv, setup_repository

LABEL_LATENCY = 0.3  # each label request of the bootstrap takes this long: the PR's workflow overtakes it


async def until(predicate: Callable[[], object], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def test_a_pr_opened_during_the_bootstrap_leaves_it_ok_with_configured_colours(
    fake_github: FakeGitHub, tmp_path: Path, fast_waits: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="webhook_server.libs.bootstrap")
    token = setup_repository(fake_github)
    fake_github.inject_latency(LABEL_LATENCY, route_prefix=f"/repos/{REPO}/labels")
    data_dir = tmp_path / "data"
    config = server_config(fake_github.base_url, [token], fake_github.app_id, {"repo": {"name": REPO}})
    write_data_dir(data_dir, config, fake_github.app_private_key_pem)
    process = InProcessServer(data_dir)
    server = process.start(wait_for_bootstrap=False)
    try:
        await until(lambda: fake_github.calls("GET", f"/repos/{REPO}/labels"))  # the bootstrap listed them
        fake_github.create_label(REPO, "has-conflicts", "ffffff")  # by hand, after the bootstrap's list
        number = await PrEnv(fake_github, server).open_pr()  # creates `size/XS` before the bootstrap does
        assert await asyncio.to_thread(server.runtime.bootstrapped.wait, 60)
    finally:
        process.stop()

    assert f"Bootstrap {REPO}: ok" in caplog.text
    assert "size/XS" in fake_github.labels(REPO, number)
    refused = [call for call in fake_github.calls("POST", f"/repos/{REPO}/labels") if call.status == 422]
    assert len(refused) >= 2  # the hand-made label, and the PR's label the bootstrap created too late
    expected = bootstrap_labels(enabled_categories(None), {}, SizeThresholds(buckets=DEFAULT_SIZE_BUCKETS))
    colours = {name: colour.lower() for name, colour in fake_github.repo_labels(REPO).items()}
    assert {label.name: colours[label.name] for label in expected} == {
        label.name: label.color.lower() for label in expected
    }
