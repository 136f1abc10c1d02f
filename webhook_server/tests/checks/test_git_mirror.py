"""Bare mirrors and worktrees on real git repositories: fetch, worktree life cycle, merge, cleanup."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from webhook_server.libs.git.credentials import CommitIdentity, git_auth_environment
from webhook_server.libs.git.mirror import (
    GitMirrors,
    branch_refspec,
    is_full_sha,
    pull_head_refspec,
    tag_refspec,
)
from webhook_server.libs.git.process import GitError
from webhook_server.tests.checks.origin import Origin, git

TOKEN = "ghs_mirror_test_token_0123456789"
IDENTITY = CommitIdentity.for_api_user("api-bot", 4242)


@pytest.fixture
def origin(tmp_path: Path) -> Origin:
    repo = Origin(tmp_path / "remote")
    base = repo.commit("main", {"README.md": "hello\n", "src/app.py": "print(1)\n"}, "initial")
    head = repo.commit("feature", {"src/feature.py": "x = 1\n"}, "add feature", parent=base)
    repo.open_pull(1, head)
    return repo


@pytest.fixture
def mirrors(tmp_path: Path, origin: Origin) -> GitMirrors:
    return GitMirrors(tmp_path / "data", origin.base_url)


def _worktrees_of(mirror_path: Path) -> list[str]:
    listing = git("--git-dir", str(mirror_path), "worktree", "list", "--porcelain", cwd=mirror_path)
    return [line.split(" ", 1)[1] for line in listing.splitlines() if line.startswith("worktree ")]


async def test_fetch_creates_the_bare_mirror_with_only_the_requested_refs(
    mirrors: GitMirrors, origin: Origin, tmp_path: Path
) -> None:
    origin.commit("other", {"other.txt": "o\n"}, "unrelated branch", parent=origin.sha("main"))
    mirror = mirrors.mirror("acme/widget")
    await mirror.fetch(TOKEN, [branch_refspec("main"), pull_head_refspec(1)])
    assert mirror.path == tmp_path / "data" / "git-mirrors" / "acme" / "widget.git"
    assert git("--git-dir", str(mirror.path), "rev-parse", "--is-bare-repository", cwd=mirror.path).strip() == "true"
    refs = git("--git-dir", str(mirror.path), "for-each-ref", "--format=%(refname)", cwd=mirror.path).split()
    assert refs == ["refs/heads/main", "refs/pull/1/head"]
    assert await mirror.resolve("refs/pull/1/head") == origin.sha("refs/pull/1/head")


async def test_one_mirror_object_per_repository(mirrors: GitMirrors) -> None:
    assert mirrors.mirror("acme/widget") is mirrors.mirror("acme/widget")
    assert mirrors.mirror("acme/widget") is not mirrors.mirror("acme/gadget")


async def test_same_refs_are_fetched_once_per_delivery(mirrors: GitMirrors, origin: Origin) -> None:
    mirror = mirrors.mirror("acme/widget")
    await mirror.fetch(TOKEN, [branch_refspec("main")], delivery_id="delivery-1")
    moved = origin.commit("main", {"README.md": "changed\n"}, "move main")
    await mirror.fetch(TOKEN, [branch_refspec("main")], delivery_id="delivery-1")
    assert await mirror.resolve("refs/heads/main") != moved
    await mirror.fetch(TOKEN, [branch_refspec("main")], delivery_id="delivery-2")
    assert await mirror.resolve("refs/heads/main") == moved


async def test_failed_fetch_raises_with_git_output(mirrors: GitMirrors) -> None:
    mirror = mirrors.mirror("acme/widget")
    with pytest.raises(GitError) as raised:
        await mirror.fetch(TOKEN, [branch_refspec("no-such-branch")])
    assert "no-such-branch" in raised.value.output


async def test_missing_commits_are_fetched_by_sha(mirrors: GitMirrors, origin: Origin) -> None:
    mirror = mirrors.mirror("acme/widget")
    await mirror.fetch(TOKEN, [branch_refspec("main")])
    orphan = origin.commit("tmp", {"gone.txt": "g\n"}, "soon unreachable", parent=origin.sha("main"))
    git("update-ref", "-d", "refs/heads/tmp", cwd=origin.bare)
    assert not await mirror.has_commit(orphan)
    await mirror.fetch_missing_commits(TOKEN, [orphan, origin.sha("main") or ""])
    assert await mirror.has_commit(orphan)


@pytest.mark.parametrize(
    "value",
    ["HEAD", "abc123", "A" * 40, "g" * 40, "0" * 39],
    ids=["ref-name", "short", "uppercase", "not-hex", "too-short"],
)
async def test_only_full_lowercase_shas_are_fetched(mirrors: GitMirrors, value: str) -> None:
    assert not is_full_sha(value)
    with pytest.raises(ValueError, match="not a full commit SHA"):
        await mirrors.mirror("acme/widget").fetch_missing_commits(TOKEN, [value])


def test_refspecs() -> None:
    assert branch_refspec("main") == "+refs/heads/main:refs/heads/main"
    assert pull_head_refspec(7) == "+refs/pull/7/head:refs/pull/7/head"
    assert tag_refspec("v1.0") == "+refs/tags/v1.0:refs/tags/v1.0"


async def test_has_commit_is_false_before_the_mirror_exists(mirrors: GitMirrors, origin: Origin) -> None:
    assert not await mirrors.mirror("acme/widget").has_commit(origin.sha("main") or "")


async def test_worktree_holds_the_commit_and_is_removed_afterwards(
    mirrors: GitMirrors, origin: Origin, tmp_path: Path
) -> None:
    mirror = mirrors.mirror("acme/widget")
    await mirror.fetch(TOKEN, [branch_refspec("main"), pull_head_refspec(1)])
    async with mirror.worktree(await mirror.resolve("refs/pull/1/head")) as path:
        assert path.parent == tmp_path / "data" / "worktrees"
        assert path.name.startswith("widget-")
        assert (path / "src" / "feature.py").read_text() == "x = 1\n"
        assert str(path) in _worktrees_of(mirror.path)
    assert not path.exists()
    assert _worktrees_of(mirror.path) == [str(mirror.path)]


async def test_worktree_is_removed_when_the_operation_fails(mirrors: GitMirrors) -> None:
    mirror = mirrors.mirror("acme/widget")
    await mirror.fetch(TOKEN, [branch_refspec("main")])
    seen: list[Path] = []

    async def failing_operation() -> None:
        async with mirror.worktree("refs/heads/main") as path:
            seen.append(path)
            (path / "new-file").write_text("dirty")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await failing_operation()
    assert not seen[0].exists()
    assert _worktrees_of(mirror.path) == [str(mirror.path)]


async def test_worktree_is_removed_when_the_operation_is_cancelled(mirrors: GitMirrors) -> None:
    mirror = mirrors.mirror("acme/widget")
    await mirror.fetch(TOKEN, [branch_refspec("main")])
    entered = asyncio.Event()
    seen: list[Path] = []

    async def operation() -> None:
        async with mirror.worktree("refs/heads/main") as path:
            seen.append(path)
            entered.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(operation())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not seen[0].exists()
    assert _worktrees_of(mirror.path) == [str(mirror.path)]


async def test_worktree_of_an_unknown_commit_fails_and_leaves_nothing(mirrors: GitMirrors, tmp_path: Path) -> None:
    mirror = mirrors.mirror("acme/widget")
    await mirror.fetch(TOKEN, [branch_refspec("main")])
    with pytest.raises(GitError):
        async with mirror.worktree("refs/heads/missing"):
            pytest.fail("the block must not run")
    assert list((tmp_path / "data" / "worktrees").iterdir()) == []


async def test_worktree_deleted_behind_gits_back_is_still_cleaned_up(mirrors: GitMirrors) -> None:
    mirror = mirrors.mirror("acme/widget")
    await mirror.fetch(TOKEN, [branch_refspec("main")])
    async with mirror.worktree("refs/heads/main") as path:
        (path / ".git").unlink()  # git no longer recognises the directory as its worktree
    assert not path.exists()
    assert _worktrees_of(mirror.path) == [str(mirror.path)]


async def test_concurrent_operations_share_the_mirror_safely(mirrors: GitMirrors, origin: Origin) -> None:
    mirror = mirrors.mirror("acme/widget")

    async def operation(number: int) -> str:
        await mirror.fetch(TOKEN, [branch_refspec("main"), pull_head_refspec(1)], delivery_id=f"d{number}")
        async with mirror.worktree("refs/pull/1/head") as path:
            return (path / "src" / "feature.py").read_text()

    contents = await asyncio.gather(*(operation(number) for number in range(6)))
    assert contents == ["x = 1\n"] * 6
    assert _worktrees_of(mirror.path) == [str(mirror.path)]


async def test_merge_of_the_base_commits_as_the_api_user(mirrors: GitMirrors, origin: Origin) -> None:
    origin.commit("main", {"README.md": "newer base\n"}, "base moves on")
    mirror = mirrors.mirror("acme/widget")
    await mirror.fetch(TOKEN, [branch_refspec("main"), pull_head_refspec(1)])
    async with mirror.worktree("refs/pull/1/head") as path:
        await mirror.merge(path, "refs/heads/main", "Merge main", IDENTITY)
        assert (path / "README.md").read_text() == "newer base\n"
        assert (path / "src" / "feature.py").exists()
        log = git("log", "-1", "--format=%an|%ae|%cn|%ce|%s|%P", cwd=path).strip().split("|")
    assert log[:5] == [
        "api-bot",
        "4242+api-bot@users.noreply.github.com",
        "api-bot",
        "4242+api-bot@users.noreply.github.com",
        "Merge main",
    ]
    assert len(log[5].split()) == 2


async def test_merge_conflict_raises_with_gits_output(mirrors: GitMirrors, origin: Origin) -> None:
    head = origin.commit("conflict", {"README.md": "pr version\n"}, "pr edit", parent=origin.sha("main"))
    origin.open_pull(2, head)
    origin.commit("main", {"README.md": "base version\n"}, "base edit")
    mirror = mirrors.mirror("acme/widget")
    await mirror.fetch(TOKEN, [branch_refspec("main"), pull_head_refspec(2)])
    with pytest.raises(GitError) as raised:
        async with mirror.worktree("refs/pull/2/head") as path:
            await mirror.merge(path, "refs/heads/main", "Merge main", IDENTITY)
    assert "CONFLICT" in raised.value.output
    assert "README.md" in raised.value.output


async def test_startup_cleanup_removes_leftover_worktrees(mirrors: GitMirrors, tmp_path: Path) -> None:
    mirror = mirrors.mirror("acme/widget")
    await mirror.fetch(TOKEN, [branch_refspec("main")])
    leftover = mirrors.worktrees_root / "widget-leftover"
    git("--git-dir", str(mirror.path), "worktree", "add", "--detach", str(leftover), "refs/heads/main", cwd=tmp_path)
    stray_file = mirrors.worktrees_root / "stray.txt"
    stray_file.write_text("x")
    assert await mirrors.clean_worktrees() == 2
    assert list(mirrors.worktrees_root.iterdir()) == []
    assert _worktrees_of(mirror.path) == [str(mirror.path)]
    assert await GitMirrors(tmp_path / "empty", "file:///nowhere").clean_worktrees() == 0


def test_auth_environment_carries_the_token_as_an_extra_header() -> None:
    env = git_auth_environment("https://github.example.com/", "secret-token")
    assert env == {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.https://github.example.com/.extraHeader",
        "GIT_CONFIG_VALUE_0": "Authorization: Basic eC1hY2Nlc3MtdG9rZW46c2VjcmV0LXRva2Vu",
    }


async def test_git_ignores_config_planted_in_the_check_home(
    mirrors: GitMirrors, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "data" / "check-home"
    home.mkdir(parents=True)
    (home / ".gitconfig").write_text("[http]\n    proxy = http://attacker.invalid:1\n")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'http.proxy'='http://attacker.invalid:2'")
    result = await mirrors.git.run(["config", "--list"], cwd=tmp_path, check=False)
    assert "attacker" not in result.stdout
