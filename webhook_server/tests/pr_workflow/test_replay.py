"""`entrypoint.py replay` as a real subprocess against the fake GitHub: a dry run of `pull_request.opened`
prints the writes the live processing then makes, and makes none itself; an unknown id exits non-zero."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

from webhook_server.tests.e2e.harness import read_delivery
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.pr_workflow.conftest import EnvFactory

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ID_SEGMENT = re.compile(r"/(\d+)(?=/|$)")


async def run_replay(data_dir: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(PROJECT_ROOT / "entrypoint.py"),
        "replay",
        *args,
        cwd=PROJECT_ROOT,
        env={**os.environ, "WEBHOOK_SERVER_DATA_DIR": str(data_dir)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def printed_writes(stdout: str) -> list[str]:
    """`METHOD path` of each write the dry run printed (between its header and the job list)."""
    lines = stdout.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("Dry run:"))
    end = next(index for index, line in enumerate(lines) if line.startswith("Jobs listed"))
    return [" ".join(line.split()[:2]) for line in lines[start + 1 : end]]


def repository_writes(fake: FakeGitHub, start: int) -> list[str]:
    """Writes in the fake's log from position `start`, minus App token mints (they change no repository)."""
    calls = fake.calls(writes_only=True)[start:]
    return [f"{call.method} {call.path}" for call in calls if "/access_tokens" not in call.path]


def normalised(calls: list[str], pr_number: int) -> Counter[str]:
    """Ids made by a write (check runs, the tracking issue) differ between the runs; the PR number does not."""

    def replace(match: re.Match[str]) -> str:
        return match.group(0) if int(match.group(1)) == pr_number else "/{id}"

    return Counter(ID_SEGMENT.sub(replace, call) for call in calls)


async def test_dry_run_prints_the_live_writes_and_sends_none(make_env: EnvFactory, tmp_path: Path) -> None:
    env = await make_env()
    number = env.fake.open_pr(env.repo, head="feature", title="feat: add a", author="dave", files={"a.py": "x\n"})
    payload_file = tmp_path / "opened.json"
    payload_file.write_text(json.dumps(env.latest_payload("pull_request", "opened")))
    writes_before = len(env.fake.calls(writes_only=True))

    code, stdout, stderr = await run_replay(
        env.server.data_dir, "--payload", str(payload_file), "--event", "pull_request"
    )

    assert code == 0, stderr
    assert repository_writes(env.fake, writes_before) == []
    assert env.fake.comments(env.repo, number) == []
    assert env.fake.labels(env.repo, number) == []
    dry_writes = printed_writes(stdout)
    assert any(call.startswith(f"POST /repos/{env.repo}/issues/{number}/comments") for call in dry_writes)
    assert "Result: succeeded (success)" in stdout

    live_start = len(env.fake.calls(writes_only=True))
    row = await env.forward("pull_request", "opened")
    assert row.status == "succeeded"
    assert normalised(dry_writes, number) == normalised(repository_writes(env.fake, live_start), number)


async def test_dry_run_of_a_stored_delivery_id_changes_nothing(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()
    stored_id = env.forwarded[-1]
    writes_before = len(env.fake.calls(writes_only=True))

    code, stdout, stderr = await run_replay(env.server.data_dir, stored_id)

    assert code == 0, stderr
    assert f"Replay of delivery {stored_id} (pull_request)" in stdout
    assert "Result: succeeded (success)" in stdout
    assert repository_writes(env.fake, writes_before) == []
    assert len([c for c in env.fake.comments(env.repo, number) if "Available Commands" in c["body"]]) == 1


async def test_replay_of_an_unknown_id_exits_non_zero_with_a_clear_message(make_env: EnvFactory) -> None:
    env = await make_env()

    code, stdout, stderr = await run_replay(env.server.data_dir, "no-such-delivery")

    assert code == 2
    assert "Unknown delivery id 'no-such-delivery'" in stderr
    assert stdout == ""


async def test_apply_processes_again_through_the_ledger_without_repeating_effects(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()
    stored_id = env.forwarded[-1]

    code, stdout, stderr = await run_replay(env.server.data_dir, stored_id, "--apply")

    assert code == 0, stderr
    replay_id = re.search(r" as (\S+)\n", stdout)
    assert replay_id is not None
    assert replay_id.group(1).startswith(f"{stored_id}-replay-")
    row = read_delivery(env.server.data_dir, replay_id.group(1))
    assert row is not None
    assert row.status == "succeeded"
    assert "Dry run" not in stdout
    assert len([c for c in env.fake.comments(env.repo, number) if "Available Commands" in c["body"]]) == 1
    assert len([issue for issue in env.fake.issues(env.repo) if "pull_request" not in issue]) == 1


async def test_dry_run_lists_check_jobs_without_running_them(make_env: EnvFactory, tmp_path: Path) -> None:
    env = await make_env(repository_config={"pre-commit": True})
    number = env.fake.open_pr(env.repo, head="feature", title="feat: add a", author="dave", files={"a.py": "x\n"})
    payload_file = tmp_path / "opened.json"
    payload_file.write_text(json.dumps(env.latest_payload("pull_request", "opened")))
    writes_before = len(env.fake.calls(writes_only=True))

    code, stdout, stderr = await run_replay(
        env.server.data_dir, "--payload", str(payload_file), "--event", "pull_request", "--dry-run"
    )

    assert code == 0, stderr
    assert f"JOB check pre-commit  {env.repo}#{number}" in stdout
    assert "Jobs listed, not run: 1" in stdout
    assert repository_writes(env.fake, writes_before) == []
    assert env.fake.check_runs(env.repo, env.head_sha(number), "pre-commit") == []
