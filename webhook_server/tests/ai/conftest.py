"""Fixtures of the AI tests: the stub AI CLI installed on the server's `PATH`, and the PR-workflow server
fixtures (`make_env`, reused from the PR-workflow tests)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from webhook_server.tests.ai.stub_cli import StubFiles, install_stub
from webhook_server.tests.pr_workflow.conftest import fast_waits, make_env

__all__ = ["ai_stub", "fast_waits", "make_env"]


@pytest.fixture
def ai_stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StubFiles:
    """`claude`, `gemini` and `agent` stubs first on `PATH` (the server's, so its subprocesses see them)."""
    bin_dir = tmp_path / "ai-bin"
    stub = install_stub(bin_dir, tmp_path / "ai-state")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', os.defpath)}")
    return stub
