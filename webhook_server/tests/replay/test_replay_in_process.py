"""A dry-run replay in this process against the fake GitHub (no server running here, so the process-wide
interception touches nothing else): the writes are printed, none reaches the fake, the jobs are listed."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from webhook_server.cli import replay
from webhook_server.libs.config import load_config
from webhook_server.libs.github import api_call, transport
from webhook_server.libs.github.pacer import PacerLimits
from webhook_server.libs.github.token_pool import TOKENS
from webhook_server.libs.pr import merge_state
from webhook_server.libs.rules.merge_state import RecheckSchedule
from webhook_server.tests.e2e.harness import server_config, write_data_dir
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.pr_workflow.conftest import REPO, setup_repository


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    schedule = RecheckSchedule(fast_interval=0.05, fast_window=0.3, slow_interval=0.3, limit=1.0)
    monkeypatch.setattr(merge_state, "RECHECK_SCHEDULE", schedule)
    monkeypatch.setattr(transport.PACER, "limits", PacerLimits(writes_per_minute=60000.0, write_burst=1000))
    yield
    TOKENS.clear()
    api_call.configure(policy=api_call.RetryPolicy())


def test_dry_run_in_process_prints_writes_and_lists_jobs(fake_github: FakeGitHub, tmp_path: Path, fast: None) -> None:
    token = setup_repository(fake_github)
    data_dir = tmp_path / "data"
    repositories = {"repo": {"name": REPO, "pre-commit": True}}
    write_data_dir(
        data_dir,
        server_config(fake_github.base_url, [token], fake_github.app_id, repositories),
        fake_github.app_private_key_pem,
    )
    number = fake_github.open_pr(REPO, head="feature", title="feat: a", author="dave", files={"a.py": "x\n"})
    payload = tmp_path / "opened.json"
    payload.write_text(json.dumps(fake_github.deliveries("pull_request", action="opened")[-1].payload))
    writes_before = len([call for call in fake_github.calls(writes_only=True) if "/access_tokens" not in call.path])
    out, err = io.StringIO(), io.StringIO()

    code = replay.main(load_config(data_dir), ["--payload", str(payload), "--event", "pull_request"], out=out, err=err)

    text = out.getvalue()
    assert code == 0, err.getvalue()
    assert f"POST /repos/{REPO}/issues/{number}/comments" in text
    assert f"JOB check pre-commit  {REPO}#{number}" in text
    assert "Result: succeeded (success)" in text
    writes_after = [call for call in fake_github.calls(writes_only=True) if "/access_tokens" not in call.path]
    assert len(writes_after) == writes_before
