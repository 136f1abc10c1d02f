"""AI cherry-pick conflict resolution end to end: a real conflict on the fake GitHub's git repositories, the
merge delivery through the server, the stub AI CLI on `PATH` resolving (or failing to) in the worktree."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest
import yaml

from webhook_server.libs.process import ai_cli
from webhook_server.libs.release.ai_conflicts import SYSTEM_PROMPT
from webhook_server.libs.release.cherry_pick_text import MANUAL_HEADER
from webhook_server.tests.ai.stub_cli import StubFiles
from webhook_server.tests.pr_workflow.conftest import API_USER, AUTHOR, EnvFactory, PrEnv

TARGET = "release-1"
PATH = "src/ai.py"
RESOLVED = "value = 'resolved'\n"


def _config(*, enabled: bool = True) -> dict[str, Any]:
    feature = {"enabled": enabled, "timeout-minutes": 1}
    return {
        "ai-features": {"ai-provider": "claude", "ai-model": "sonnet", "resolve-cherry-pick-conflicts-with-ai": feature}
    }


async def _merge_conflicting_pr(env: PrEnv) -> int:
    """`release-1` and the PR change the same line differently; the PR is labelled for `release-1` and merged."""
    env.fake.create_branch(env.repo, TARGET, from_ref="main")
    env.fake.push(env.repo, TARGET, {PATH: "value = 'release'\n"}, message="release change", author="alice")
    number = await env.open_pr(files={PATH: "value = 'main'\n"}, title="feat: change ai")
    env.fake.add_label(env.repo, number, f"cherry-pick-{TARGET}", author="alice")
    env.fake.merge(env.repo, number, author="alice", method="squash")
    row = await env.forward("pull_request", "closed")
    assert row.status == "succeeded", row.error
    return number


def _cherry_pick_pulls(env: PrEnv) -> list[dict[str, Any]]:
    return [pull for pull in env.fake.pulls(env.repo) if pull["base"]["ref"] == TARGET]


def _bot_comments(env: PrEnv, number: int) -> list[str]:
    return [comment["body"] for comment in env.fake.comments(env.repo, number) if comment["user"]["login"] == API_USER]


async def test_ai_resolution_opens_a_marked_pr_that_is_never_auto_verified(
    make_env: EnvFactory, ai_stub: StubFiles
) -> None:
    ai_stub.answer(files={PATH: RESOLVED}, stdout="Resolved src/ai.py")
    env = await make_env(_config(), files={PATH: "value = 'base'\n"})
    number = await _merge_conflicting_pr(env)

    (new,) = _cherry_pick_pulls(env)
    assert new["title"] == f"CherryPicked: [{TARGET}] feat: change ai"
    assert env.fake.file(env.repo, PATH, ref=new["head"]["ref"]) == RESOLVED
    assert "ai-resolved-conflicts" in env.labels(new["number"])
    (report,) = [body for body in _bot_comments(env, number) if new["html_url"] in body]
    assert "`claude/sonnet`" in report
    assert f"@{AUTHOR}, please verify" in report
    assert any("resolved by AI" in body for body in _bot_comments(env, new["number"]))

    (call,) = ai_stub.calls()
    assert call["stdin"].startswith(SYSTEM_PROMPT + "\n\n")
    assert f"Target branch: {TARGET}" in call["stdin"]
    assert f"Conflicted files:\n- {PATH}" in call["stdin"]
    assert "Original pull request title: feat: change ai" in call["stdin"]
    (token,) = yaml.safe_load((env.server.data_dir / "config.yaml").read_text())["github-tokens"]
    assert token not in json.dumps(call)

    opened = env.latest_payload("pull_request", "opened")
    assert opened["pull_request"]["number"] == new["number"]
    assert (await env.deliver("pull_request", opened)).status == "succeeded"
    assert "verified" not in env.labels(new["number"])
    assert env.check(new["number"], "verified")["status"] == "queued"


@pytest.mark.parametrize(
    "scenario",
    [
        {"exit_code": 1, "stderr": "rate limited"},
        {"sleep": 30, "files": {PATH: RESOLVED}},
        {"stdout": "I looked at it"},
        {"files": {PATH: RESOLVED}, "git": [["symbolic-ref", "HEAD", "refs/heads/elsewhere"]], "stdout": "ok"},
    ],
    ids=["non-zero-exit", "timeout", "markers-left", "branch-changed"],
)
async def test_ai_failure_falls_back_to_the_manual_instructions(
    make_env: EnvFactory, ai_stub: StubFiles, monkeypatch: pytest.MonkeyPatch, scenario: dict[str, Any]
) -> None:
    monkeypatch.setattr(ai_cli, "SECONDS_PER_MINUTE", 1.0)
    monkeypatch.setattr(ai_cli, "KILL_GRACE_SECONDS", 1.0)
    ai_stub.answer(**scenario)
    env = await make_env(_config(), files={PATH: "value = 'base'\n"})
    number = await _merge_conflicting_pr(env)

    assert len(ai_stub.calls()) == 1
    assert any(body.startswith(MANUAL_HEADER) for body in _bot_comments(env, number))
    assert _cherry_pick_pulls(env) == []
    merged_head = env.fake.pull(env.repo, number)["head"]["sha"]
    assert env.fake.check_runs(env.repo, merged_head, "CherryPicked")[-1]["conclusion"] == "failure"


async def test_missing_cli_falls_back_to_the_manual_instructions(make_env: EnvFactory) -> None:
    assert shutil.which("claude") is None
    env = await make_env(_config(), files={PATH: "value = 'base'\n"})
    number = await _merge_conflicting_pr(env)

    assert any(body.startswith(MANUAL_HEADER) for body in _bot_comments(env, number))
    assert _cherry_pick_pulls(env) == []


async def test_disabled_feature_never_calls_the_ai(make_env: EnvFactory, ai_stub: StubFiles) -> None:
    ai_stub.answer(files={PATH: RESOLVED}, stdout="ok")
    env = await make_env(_config(enabled=False), files={PATH: "value = 'base'\n"})
    number = await _merge_conflicting_pr(env)

    assert ai_stub.calls() == []
    assert any(body.startswith(MANUAL_HEADER) for body in _bot_comments(env, number))
