"""Check runs written through the App on the fake GitHub: one per (repository, SHA, name), updated in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from webhook_server.libs.checks.check_runs import CheckRuns
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.pipeline.ledger import LEDGER_FILE_NAME, Ledger
from webhook_server.libs.rules.checks import CheckConclusion, CheckOutput, CheckResult
from webhook_server.tests.checks.conftest import FULL_NAME, CheckWorld

OUTPUT = CheckOutput(title="Tox", summary="Queued")
PASSED = CheckResult(CheckConclusion.SUCCESS, CheckOutput(title="Tox", summary="Exit code 0 after 1s", text="ok"))


async def test_transitions_update_one_run_in_place(world: CheckWorld) -> None:
    sha = world.open_pr({"a.txt": "a\n"}).head_sha
    check_runs = CheckRuns(world.ledger)
    assert await check_runs.queue(world.repo, sha, "tox", OUTPUT)
    [queued] = world.runs(sha, "tox")
    assert await check_runs.start(world.repo, sha, "tox", CheckOutput(title="Tox", summary="Running"))
    assert await check_runs.complete(world.repo, sha, "tox", PASSED)
    [run] = world.runs(sha, "tox")
    assert run["id"] == queued["id"]
    assert (run["status"], run["conclusion"]) == ("completed", "success")
    assert run["output"]["title"] == "Tox"
    assert run["output"]["text"] == "ok"
    assert run["app"]["id"] == world.fake.app_id
    assert await world.ledger.check_run_get(FULL_NAME, sha, "tox") == run["id"]
    assert await check_runs.queue(world.repo, sha, "tox", OUTPUT)
    [requeued] = world.runs(sha, "tox")
    assert (requeued["id"], requeued["status"], requeued["conclusion"]) == (run["id"], "queued", None)


async def test_a_lost_ledger_row_adopts_the_newest_run_of_our_app(world: CheckWorld, tmp_path: Path) -> None:
    sha = world.open_pr({"a.txt": "a\n"}).head_sha
    assert await CheckRuns(world.ledger).queue(world.repo, sha, "tox", OUTPUT)
    assert await CheckRuns(world.ledger).queue(world.repo, sha, "pre-commit", OUTPUT)
    [original] = world.runs(sha, "tox")
    fresh_ledger = await Ledger.open(tmp_path / "other" / LEDGER_FILE_NAME)
    try:
        world.fake.clear_request_log()
        assert await CheckRuns(fresh_ledger).complete(world.repo, sha, "tox", PASSED)
        assert await fresh_ledger.check_run_get(FULL_NAME, sha, "tox") == original["id"]
    finally:
        await fresh_ledger.close()
    [run] = world.runs(sha, "tox")
    assert (run["id"], run["conclusion"]) == (original["id"], "success")
    listing = world.fake.calls("GET", f"/repos/{FULL_NAME}/commits/{sha}/check-runs")
    assert len(listing) == 1
    assert world.fake.calls("POST", f"/repos/{FULL_NAME}/check-runs") == []


async def test_a_refused_update_creates_a_new_run(world: CheckWorld) -> None:
    sha = world.open_pr({"a.txt": "a\n"}).head_sha
    check_runs = CheckRuns(world.ledger)
    assert await check_runs.queue(world.repo, sha, "tox", OUTPUT)
    [first] = world.runs(sha, "tox")
    world.fake.fail_next(1, 422, f"/repos/{FULL_NAME}/check-runs/{first['id']}", method="PATCH")
    assert await check_runs.complete(world.repo, sha, "tox", PASSED)
    runs = world.runs(sha, "tox")
    assert [run["status"] for run in runs] == ["queued", "completed"]
    assert await world.ledger.check_run_get(FULL_NAME, sha, "tox") == runs[1]["id"]


async def test_a_write_that_keeps_failing_is_logged_and_reported(
    world: CheckWorld, caplog: pytest.LogCaptureFixture
) -> None:
    sha = world.open_pr({"a.txt": "a\n"}).head_sha
    world.fake.fail_next(5, 500, f"/repos/{FULL_NAME}/check-runs", method="POST")
    assert not await CheckRuns(world.ledger).queue(world.repo, sha, "tox", OUTPUT)
    assert world.runs(sha, "tox") == []
    assert "Could not write check run tox (queued)" in caplog.text


async def test_check_runs_need_the_app(world: CheckWorld) -> None:
    sha = world.open_pr({"a.txt": "a\n"}).head_sha
    without_app = RepositoryContext(entry=world.repo.entry, pooled=world.repo.pooled, app=None)
    with pytest.raises(RuntimeError, match="no GitHub App"):
        await CheckRuns(world.ledger).queue(without_app, sha, "tox", OUTPUT)
