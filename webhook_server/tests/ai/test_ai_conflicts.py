"""The AI conflict resolver on a real `git cherry-pick` stopped on conflicts, with the stub AI CLI: prompts,
environment, every failure kind, and the job's follow-up (markers, staging, continue) on what it left."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from webhook_server.libs.config import config_from_document, repository_config
from webhook_server.libs.config.model import AiCherryPickConflicts, AiFeatures
from webhook_server.libs.git.credentials import CommitIdentity
from webhook_server.libs.git.process import GitRunner
from webhook_server.libs.process import ai_cli
from webhook_server.libs.release import cherry_pick_git as picking
from webhook_server.libs.release.ai_conflicts import SYSTEM_PROMPT, ai_conflict_resolver
from webhook_server.libs.release.conflicts import ConflictContext, ConflictResolution
from webhook_server.libs.release.worktree_git import WorktreeGit
from webhook_server.tests.ai.stub_cli import StubFiles
from webhook_server.tests.checks.conftest import ENTRY

RESOLVED = "line one\nrelease change\nmain change\n"
IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *IDENTITY, *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


def _commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, content in files.items():
        (repo / name).write_text(content)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def conflicted(tmp_path: Path) -> tuple[Path, str]:
    """A worktree on `release-1` where `git cherry-pick <main commit>` stopped on a conflict in `a.txt`."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _commit(repo, {"a.txt": "line one\nbase\n", "b.txt": "b\n"}, "base")
    _git(repo, "checkout", "-q", "-b", "release-1")
    _commit(repo, {"a.txt": "line one\nrelease change\n"}, "release change")
    _git(repo, "checkout", "-q", "main")
    picked = _commit(repo, {"a.txt": "line one\nmain change\n", "b.txt": "b2\n"}, "fix: main change")
    _git(repo, "checkout", "-q", "release-1")
    _git(repo, "checkout", "-q", "-b", "CherryPicked-feature-abcde")
    result = subprocess.run(
        ["git", *IDENTITY, "cherry-pick", picked], cwd=repo, capture_output=True, text=True, check=False
    )
    assert "CONFLICT" in result.stdout + result.stderr
    return repo, picked


def _context(tmp_path: Path, worktree: Path, sha: str, provider: str = "claude") -> ConflictContext:
    document = {"github-app-id": 1, "github-tokens": ["ghp_servertoken"], "repositories": {"r": ENTRY.raw}}
    config = repository_config(config_from_document(tmp_path, document, require_private_key=False), ENTRY)
    return ConflictContext(
        worktree=worktree,
        commit_sha=sha,
        commit_subject="fix: main change",
        target_branch="release-1",
        original_title="fix: main change",
        commit_stat=" a.txt | 2 +-\n b.txt | 2 +-\n 2 files changed\n",
        conflicted_files=("a.txt",),
        ai=AiFeatures(provider, "model-x", resolve_cherry_pick_conflicts=AiCherryPickConflicts(enabled=True)),
        timeout_minutes=1,
        config=config,
    )


async def _resolve(tmp_path: Path, context: ConflictContext) -> ConflictResolution:
    return await ai_conflict_resolver(tmp_path / "data")(context)


async def test_resolution_then_the_job_finishes_the_cherry_pick(
    ai_stub: StubFiles, tmp_path: Path, conflicted: tuple[Path, str]
) -> None:
    repo, sha = conflicted
    ai_stub.answer(files={"a.txt": RESOLVED}, stdout="Resolved a.txt")

    resolution = await _resolve(tmp_path, _context(tmp_path, repo, sha))

    assert resolution.resolved
    (call,) = ai_stub.calls()
    assert call["cwd"] == str(repo)
    assert call["stdin"].startswith(SYSTEM_PROMPT + "\n\n")
    task = call["stdin"][len(SYSTEM_PROMPT) + 2 :]
    for part in (f"{sha} fix: main change", "Target branch: release-1", "a.txt | 2 +-", "Conflicted files:\n- a.txt"):
        assert part in task
    for rule in ("git rm", "Do not commit, do not push, do not change branches", "upstream change comes first"):
        assert rule in SYSTEM_PROMPT
    assert "ghp_servertoken" not in json.dumps(call)

    git = WorktreeGit(GitRunner(tmp_path / "data"), repo, CommitIdentity("Bot", "bot@example.com"), "", "", "")
    assert await picking.markers_left(git, ("a.txt",)) == []
    await picking.finish_resolution(git)
    assert _git(repo, "log", "-1", "--format=%s").strip() == "fix: main change"
    assert _git(repo, "show", "HEAD:a.txt") == RESOLVED
    assert _git(repo, "status", "--porcelain") == ""


async def test_markers_left_by_the_ai_are_found(
    ai_stub: StubFiles, tmp_path: Path, conflicted: tuple[Path, str]
) -> None:
    repo, sha = conflicted
    ai_stub.answer(stdout="done, I think")  # leaves the conflicted file as git wrote it

    assert (await _resolve(tmp_path, _context(tmp_path, repo, sha))).resolved
    git = WorktreeGit(GitRunner(tmp_path / "data"), repo, CommitIdentity("Bot", "bot@example.com"), "", "", "")
    assert await picking.markers_left(git, ("a.txt",)) == ["a.txt"]


@pytest.mark.parametrize(
    "case",
    [
        ({"exit_code": 1, "stderr": "rate limited"}, "rate limited"),
        ({"files": {"a.txt": RESOLVED}, "stdout": ""}, "AI CLI returned empty response"),
        ({"sleep": 30}, "AI CLI timed out after 1 minutes"),
        ({"git": [["symbolic-ref", "HEAD", "refs/heads/elsewhere"]], "stdout": "ok"}, "the AI CLI changed the branch"),
        ({"git": [["update-ref", "--no-deref", "HEAD", "HEAD"]], "stdout": "ok"}, "git symbolic-ref --quiet HEAD"),
    ],
    ids=["non-zero-exit", "empty-answer", "timeout", "branch-changed", "head-detached"],
)
async def test_failures_are_unresolved(
    ai_stub: StubFiles,
    tmp_path: Path,
    conflicted: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[dict[str, object], str],
) -> None:
    scenario, detail = case
    monkeypatch.setattr(ai_cli, "SECONDS_PER_MINUTE", 1.0)
    monkeypatch.setattr(ai_cli, "KILL_GRACE_SECONDS", 1.0)
    repo, sha = conflicted
    ai_stub.answer(**scenario)

    resolution = await _resolve(tmp_path, _context(tmp_path, repo, sha))

    assert not resolution.resolved
    assert detail in resolution.detail


async def test_missing_cli_is_unresolved(tmp_path: Path, conflicted: tuple[Path, str]) -> None:
    assert shutil.which("agent") is None
    repo, sha = conflicted
    resolution = await _resolve(tmp_path, _context(tmp_path, repo, sha, provider="cursor"))
    assert resolution == ConflictResolution(False, "AI CLI binary 'agent' not found")
