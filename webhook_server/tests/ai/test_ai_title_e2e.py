"""AI title assistance end to end: the server against the fake GitHub, the stub AI CLI on `PATH`, real git
worktrees. Suggest and fix outcomes, and every AI failure leaving the plain validation output."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from webhook_server.libs.pr.ai_title import AI_TITLE_JOB_KIND
from webhook_server.libs.process import ai_cli
from webhook_server.libs.rules.ai_title import FIX_APPLIED_HEADING, FIX_SKIPPED_HEADING, SUGGESTED_HEADING
from webhook_server.libs.rules.conventional_title import INVALID_TITLE, VALID_TITLE, conventional_title_result
from webhook_server.tests.ai.stub_cli import StubFiles
from webhook_server.tests.pr_workflow.conftest import AUTHOR, EnvFactory, PrEnv

TYPES = "feat,fix"
BAD_TITLE = "add a"
LOOK_AT_THE_CHANGE = [["rev-parse", "--verify", "main"], ["diff", "main", "--stat"], ["log", "main..HEAD", "--oneline"]]


def _config(mode: str = "suggest", *, enabled: bool = True, provider: str = "claude") -> dict[str, Any]:
    return {
        "conventional-title": TYPES,
        "ai-features": {
            "ai-provider": provider,
            "ai-model": "model-x",
            "conventional-title": {"enabled": enabled, "mode": mode, "timeout-minutes": 1},
        },
    }


def _ai_jobs(env: PrEnv) -> list[tuple[str, str]]:
    with sqlite3.connect(env.server.data_dir / "webhook-ledger.sqlite3") as connection:
        rows = connection.execute("SELECT status, outcome FROM jobs WHERE kind = ?", (AI_TITLE_JOB_KIND,)).fetchall()
    return [(status, outcome) for status, outcome in rows]


def _plain_failure_text(title: str) -> str:
    return conventional_title_result(title, TYPES).output.text


async def test_suggest_adds_the_suggestion_to_the_failed_check(make_env: EnvFactory, ai_stub: StubFiles) -> None:
    ai_stub.answer(stdout="Here you go:\n`feat: add a`\n", git=LOOK_AT_THE_CHANGE)
    env = await make_env(_config("suggest"))
    number = await env.open_pr(title=BAD_TITLE)

    run = env.check(number, "conventional-title")
    assert (run["conclusion"], run["output"]["title"]) == ("failure", INVALID_TITLE)
    assert f"{SUGGESTED_HEADING}\n\n`feat: add a`" in run["output"]["text"]
    assert env.fake.pull(env.repo, number)["title"] == BAD_TITLE  # suggest never edits

    (call,) = ai_stub.calls()
    assert call["program"] == "claude"
    assert "Current title: add a" in call["stdin"]
    worktrees = env.server.data_dir / "worktrees"
    assert Path(call["cwd"]).parent == worktrees
    assert not any(worktrees.iterdir())  # removed after the call
    (token,) = yaml.safe_load((env.server.data_dir / "config.yaml").read_text())["github-tokens"]
    assert token not in json.dumps(call)
    assert _ai_jobs(env) == [("succeeded", "failure")]


async def test_suggest_shows_an_invalid_suggestion_with_a_note(make_env: EnvFactory, ai_stub: StubFiles) -> None:
    ai_stub.answer(stdout="Add the a module\n")
    env = await make_env(_config("suggest"))
    number = await env.open_pr(title=BAD_TITLE)

    text = env.check(number, "conventional-title")["output"]["text"]
    assert "`Add the a module`" in text
    assert "does not follow Conventional Commits either" in text


async def test_fix_edits_the_title_and_the_echo_passes(make_env: EnvFactory, ai_stub: StubFiles) -> None:
    ai_stub.answer(stdout='"feat: add a"')
    env = await make_env(_config("fix"))
    number = await env.open_pr(title=BAD_TITLE)

    run = env.check(number, "conventional-title")
    assert (run["conclusion"], run["output"]["title"]) == ("success", VALID_TITLE)
    assert FIX_APPLIED_HEADING in run["output"]["text"]
    assert "`add a` → `feat: add a`" in run["output"]["text"]
    assert env.fake.pull(env.repo, number)["title"] == "feat: add a"

    edited = env.latest_payload("pull_request", "edited")
    assert edited["changes"] == {"title": {"from": BAD_TITLE}}
    assert (await env.deliver("pull_request", edited)).status == "succeeded"
    run = env.check(number, "conventional-title")
    assert (run["conclusion"], run["output"]["title"]) == ("success", VALID_TITLE)
    assert len(ai_stub.calls()) == 1  # a valid title needs no AI


async def test_fix_with_an_invalid_suggestion_keeps_the_title(make_env: EnvFactory, ai_stub: StubFiles) -> None:
    ai_stub.answer(stdout="Add a\n")
    env = await make_env(_config("fix"))
    number = await env.open_pr(title=BAD_TITLE)

    run = env.check(number, "conventional-title")
    assert run["conclusion"] == "failure"
    assert FIX_SKIPPED_HEADING in run["output"]["text"]
    assert "does not follow Conventional Commits either" in run["output"]["text"]
    assert env.fake.pull(env.repo, number)["title"] == BAD_TITLE
    assert not env.fake.deliveries("pull_request", action="edited", full_name=env.repo)


async def test_fix_reports_a_refused_edit(make_env: EnvFactory, ai_stub: StubFiles) -> None:
    ai_stub.answer(stdout="feat: add a")
    env = await make_env(_config("fix"))
    env.fake.fail_next(1, 422, "/repos/org/repo/pulls/1", method="PATCH", message="Validation Failed")
    number = await env.open_pr(title=BAD_TITLE)

    run = env.check(number, "conventional-title")
    assert run["conclusion"] == "failure"
    assert "editing the title failed (HTTP 422)" in run["output"]["text"]
    assert env.fake.pull(env.repo, number)["title"] == BAD_TITLE


@pytest.mark.parametrize(
    "scenario",
    [
        {"exit_code": 2, "stderr": "quota exceeded"},
        {"stdout": "\n"},
        {"sleep": 30, "stdout": "feat: too late"},
    ],
    ids=["non-zero-exit", "empty-answer", "timeout"],
)
@pytest.mark.parametrize("mode", ["suggest", "fix"])
async def test_ai_failure_leaves_the_plain_validation_output(
    make_env: EnvFactory,
    ai_stub: StubFiles,
    monkeypatch: pytest.MonkeyPatch,
    scenario: dict[str, Any],
    mode: str,
) -> None:
    monkeypatch.setattr(ai_cli, "SECONDS_PER_MINUTE", 1.0)
    monkeypatch.setattr(ai_cli, "KILL_GRACE_SECONDS", 1.0)
    ai_stub.answer(**scenario)
    env = await make_env(_config(mode))
    number = await env.open_pr(title=BAD_TITLE)

    run = env.check(number, "conventional-title")
    assert (run["conclusion"], run["output"]["title"]) == ("failure", INVALID_TITLE)
    assert run["output"]["text"] == _plain_failure_text(BAD_TITLE)
    assert env.fake.pull(env.repo, number)["title"] == BAD_TITLE
    assert len(ai_stub.calls()) == 1


async def test_missing_cli_leaves_the_plain_validation_output(make_env: EnvFactory) -> None:
    assert shutil.which("claude") is None
    env = await make_env(_config("fix"))
    number = await env.open_pr(title=BAD_TITLE)

    run = env.check(number, "conventional-title")
    assert (run["conclusion"], run["output"]["text"]) == ("failure", _plain_failure_text(BAD_TITLE))


@pytest.mark.parametrize(
    ("config", "title"),
    [
        (_config("fix", enabled=False), BAD_TITLE),
        ({"conventional-title": TYPES, "ai-features": {"ai-provider": "claude", "ai-model": "m"}}, BAD_TITLE),
        (_config("fix"), "feat: already good"),
    ],
    ids=["feature-disabled", "feature-not-configured", "valid-title"],
)
async def test_no_ai_call_without_need(
    make_env: EnvFactory, ai_stub: StubFiles, config: dict[str, Any], title: str
) -> None:
    ai_stub.answer(stdout="feat: should not be used")
    env = await make_env(config)
    number = await env.open_pr(title=title)

    assert (
        env.check(number, "conventional-title")["output"]["text"] == conventional_title_result(title, TYPES).output.text
    )
    assert ai_stub.calls() == []
    assert env.fake.pull(env.repo, number)["title"] == title


async def test_check_stays_in_progress_while_the_ai_runs(make_env: EnvFactory, ai_stub: StubFiles) -> None:
    ai_stub.answer(sleep=1.5, stdout="feat: add a")
    env = await make_env(_config("suggest", provider="gemini"))
    delivery_id = await _post_opened_and_wait_for_the_ai(env, ai_stub)

    assert env.check(1, "conventional-title")["status"] == "in_progress"
    assert (await env.server.wait_finished(delivery_id, timeout=60)).status == "succeeded"
    run = env.check(1, "conventional-title")
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert ai_stub.calls()[0]["program"] == "gemini"


async def _post_opened_and_wait_for_the_ai(env: PrEnv, ai_stub: StubFiles) -> str:
    """Open the PR with the bad title, post `opened` without waiting, and return once the AI CLI was called."""
    env.fake.open_pr(env.repo, head="feature", title=BAD_TITLE, files={"a.py": "x = 1\n"}, author=AUTHOR)
    delivery_id = str(uuid.uuid4())
    response = await env.server.post("pull_request", env.latest_payload("pull_request", "opened"), delivery_id)
    assert response.status_code == 200
    for _ in range(600):
        if ai_stub.calls():
            break
        await asyncio.sleep(0.05)
    assert ai_stub.calls()
    return delivery_id


async def test_a_title_fixed_while_the_ai_runs_keeps_its_result(make_env: EnvFactory, ai_stub: StubFiles) -> None:
    ai_stub.answer(sleep=2, stdout="feat: add a")
    env = await make_env(_config("suggest"))
    opened = await _post_opened_and_wait_for_the_ai(env, ai_stub)

    env.fake.edit_pr(env.repo, 1, title="fix: by hand", author=AUTHOR)
    assert (await env.forward("pull_request", "edited")).status == "succeeded"
    assert (await env.server.wait_finished(opened, timeout=60)).status == "succeeded"

    run = env.check(1, "conventional-title")
    assert (run["conclusion"], run["output"]["text"]) == (
        "success",
        conventional_title_result("fix: by hand", TYPES).output.text,
    )
    assert _ai_jobs(env) == [("succeeded", "skipped")]


async def test_a_new_push_cancels_the_ai_job_of_the_old_head(make_env: EnvFactory, ai_stub: StubFiles) -> None:
    ai_stub.answer(sleep=30, stdout="feat: too late")
    env = await make_env(_config("suggest"))
    opened = await _post_opened_and_wait_for_the_ai(env, ai_stub)
    first_head = env.head_sha(1)

    ai_stub.answer(stdout="feat: add a")
    env.fake.push(env.repo, "feature", {"a.py": "x = 2\n"}, author=AUTHOR)
    assert (await env.forward("pull_request", "synchronize")).status == "succeeded"
    assert (await env.server.wait_finished(opened, timeout=60)).status == "succeeded"

    old = env.fake.check_runs(env.repo, first_head, "conventional-title")[-1]
    assert (old["conclusion"], old["output"]["summary"]) == (
        "cancelled",
        f"Cancelled: superseded by {env.head_sha(1)[:7]}",
    )
    assert "`feat: add a`" in env.check(1, "conventional-title")["output"]["text"]


async def test_a_worktree_failure_leaves_the_plain_validation_output(make_env: EnvFactory, ai_stub: StubFiles) -> None:
    ai_stub.answer(stdout="feat: add a")
    env = await make_env(_config("fix"))
    env.fake.fail_next(10_000, 500, f"/{env.repo}.git")  # git unreachable for the whole delivery
    number = await env.open_pr(title=BAD_TITLE)
    env.fake.clear_faults()

    run = env.check(number, "conventional-title")
    assert (run["conclusion"], run["output"]["text"]) == ("failure", _plain_failure_text(BAD_TITLE))
    assert ai_stub.calls() == []
