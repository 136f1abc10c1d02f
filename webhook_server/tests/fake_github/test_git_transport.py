"""Git over smart HTTP against the fake: clone, fetch and push with the token in an extra header."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from webhook_server.tests.fake_github.conftest import REPO, Scenario
from webhook_server.tests.fake_github.gitrepo import git_env


def git(
    args: list[str], cwd: Path, token: str | None = None, url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run git with credentials only in the environment (never argv or .git/config)."""
    extra: dict[str, str] = {
        "GIT_AUTHOR_NAME": "bob",
        "GIT_AUTHOR_EMAIL": "bob@example.com",
        "GIT_COMMITTER_NAME": "bob",
        "GIT_COMMITTER_EMAIL": "bob@example.com",
    }
    if token is not None and url is not None:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        extra.update(
            {
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": f"http.{url}.extraHeader",
                "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
            }
        )
    return subprocess.run(["git", *args], cwd=cwd, env=git_env(extra), capture_output=True, text=True, check=False)


def clone(scenario: Scenario, tmp_path: Path, token: str) -> Path:
    url = scenario.fake.git_url(REPO)
    result = git(["clone", "--quiet", url, "work"], tmp_path, token, scenario.fake.base_url)
    assert result.returncode == 0, result.stderr
    return tmp_path / "work"


def test_clone_reads_the_default_branch_and_never_stores_the_token(scenario: Scenario, tmp_path: Path) -> None:
    work = clone(scenario, tmp_path, scenario.bob_token)
    assert (work / "OWNERS").read_text().startswith("approvers:")
    assert scenario.bob_token not in (work / ".git" / "config").read_text()
    git_calls = [record for record in scenario.fake.calls(include_git=True) if record.kind == "git"]
    assert git_calls
    assert {record.identity for record in git_calls} == {"bob"}
    assert scenario.fake.calls() == []


def test_push_to_pr_branch_moves_head_and_emits_synchronize(scenario: Scenario, tmp_path: Path) -> None:
    scenario.fake.register_hook(REPO, "")
    number = scenario.fake.open_pr(REPO, head="feature", files={"a.txt": "1\n"}, author="bob")
    work = clone(scenario, tmp_path, scenario.bob_token)
    url = scenario.fake.base_url
    assert git(["fetch", "--quiet", "origin", "feature"], work, scenario.bob_token, url).returncode == 0
    assert git(["checkout", "--quiet", "-b", "feature", "FETCH_HEAD"], work).returncode == 0
    (work / "a.txt").write_text("2\n")
    assert git(["commit", "--quiet", "-am", "fix: two"], work).returncode == 0
    pushed = git(["push", "--quiet", "origin", "feature"], work, scenario.bob_token, url)
    assert pushed.returncode == 0, pushed.stderr
    head = git(["rev-parse", "HEAD"], work).stdout.strip()
    assert scenario.fake.pull(REPO, number)["head"]["sha"] == head
    synchronize = scenario.fake.deliveries("pull_request", action="synchronize")
    assert len(synchronize) == 1
    assert synchronize[0].payload["after"] == head
    assert synchronize[0].payload["sender"]["login"] == "bob"
    assert scenario.fake.deliveries("push")[-1].payload["ref"] == "refs/heads/feature"


def test_fetch_of_pull_head_ref_gives_the_pr_head(scenario: Scenario, tmp_path: Path) -> None:
    number = scenario.fake.open_pr(REPO, head="feature", files={"a.txt": "1\n"}, author="bob")
    work = clone(scenario, tmp_path, scenario.token)
    refspec = f"+refs/pull/{number}/head:refs/pull/{number}/head"
    assert git(["fetch", "--quiet", "origin", refspec], work, scenario.token, scenario.fake.base_url).returncode == 0
    fetched = git(["rev-parse", f"refs/pull/{number}/head"], work).stdout.strip()
    assert fetched == scenario.fake.pull(REPO, number)["head"]["sha"]


def test_push_of_a_tag_emits_a_tag_push(scenario: Scenario, tmp_path: Path) -> None:
    scenario.fake.register_hook(REPO, "", events=["push"])
    work = clone(scenario, tmp_path, scenario.token)
    assert git(["tag", "v1.0.0"], work).returncode == 0
    assert git(["push", "--quiet", "origin", "v1.0.0"], work, scenario.token, scenario.fake.base_url).returncode == 0
    push = scenario.fake.deliveries("push")[-1].payload
    assert push["ref"] == "refs/tags/v1.0.0"
    assert push["created"] is True
    assert push["before"] == "0" * 40


@pytest.mark.parametrize(
    ("who", "expected_error"),
    [
        pytest.param("carol", "403", id="read-only-collaborator"),
        pytest.param(None, "401", id="anonymous"),
    ],
)
def test_push_without_write_access_is_refused(
    scenario: Scenario, tmp_path: Path, who: str | None, expected_error: str
) -> None:
    work = clone(scenario, tmp_path, scenario.token)
    (work / "new.txt").write_text("x\n")
    git(["add", "new.txt"], work)
    git(["commit", "--quiet", "-m", "x"], work)
    token = scenario.carol_token if who else None
    result = git(["push", "origin", "HEAD:refs/heads/other"], work, token, scenario.fake.base_url if token else None)
    assert result.returncode != 0
    assert (
        expected_error in result.stderr or "Authentication failed" in result.stderr or "could not read" in result.stderr
    )
    assert "other" not in scenario.fake.branches(REPO)


def test_private_repository_cannot_be_cloned_anonymously(scenario: Scenario, tmp_path: Path) -> None:
    scenario.fake.create_repo("octo-org/private", {"a": "b"}, private=True, collaborators={"bob": "write"})
    url = scenario.fake.git_url("octo-org/private")
    anonymous = git(["clone", "--quiet", url, "anon"], tmp_path)
    assert anonymous.returncode != 0
    allowed = git(["clone", "--quiet", url, "bob"], tmp_path, scenario.bob_token, scenario.fake.base_url)
    assert allowed.returncode == 0, allowed.stderr
