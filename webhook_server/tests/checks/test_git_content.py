"""Reading OWNERS, changed files and clean-rebase hashes from a real mirror."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from webhook_server.libs.git.content import changed_files, is_clean_rebase, pr_diff_hash, read_owners
from webhook_server.libs.git.mirror import GitMirror, GitMirrors, branch_refspec, pull_head_refspec
from webhook_server.libs.git.process import GitError
from webhook_server.libs.rules.owners import OwnersFile
from webhook_server.tests.checks.origin import Origin

TOKEN = "ghs_content_test_token_0123456789"


@pytest.fixture
def origin(tmp_path: Path) -> Origin:
    return Origin(tmp_path / "remote")


@pytest.fixture
def mirror(tmp_path: Path, origin: Origin) -> GitMirror:
    return GitMirrors(tmp_path / "data", origin.base_url).mirror("acme/widget")


async def test_owners_are_read_from_the_base_commit_without_checkout(
    origin: Origin, mirror: GitMirror, caplog: pytest.LogCaptureFixture
) -> None:
    base = origin.commit(
        "main",
        {
            "OWNERS": "approvers:\n  - '@Alice'\nreviewers:\n  - bob\n",
            "api/OWNERS": "approvers: [carol]\nroot-approvers: false\n",
            ".github/OWNERS": "approvers: [hidden]\n",
            "broken/OWNERS": "approvers: not-a-list\n",
            "api/code.py": "pass\n",
        },
        "owners",
    )
    origin.commit("main", {"OWNERS": "approvers: [later]\n"}, "changed after the base SHA")
    await mirror.fetch(TOKEN, [branch_refspec("main")])
    caplog.set_level(logging.WARNING)
    owners = await read_owners(mirror, base)
    assert owners.files == {
        ".": OwnersFile(directory=".", approvers=("Alice",), reviewers=("bob",)),
        "api": OwnersFile(directory="api", approvers=("carol",), root_approvers=False),
    }
    assert [error.path for error in owners.errors] == ["broken/OWNERS"]
    assert not owners.truncated
    assert "Ignoring OWNERS file broken/OWNERS" in caplog.text
    assert await read_owners(mirror, base) is owners


async def test_a_repository_without_owners_has_none(origin: Origin, mirror: GitMirror) -> None:
    base = origin.commit("main", {"README.md": "x\n"}, "no owners")
    await mirror.fetch(TOKEN, [branch_refspec("main")])
    owners = await read_owners(mirror, base)
    assert (owners.files, owners.errors) == ({}, ())


async def test_changed_files_use_the_merge_base(origin: Origin, mirror: GitMirror) -> None:
    base = origin.commit("main", {"a.txt": "a\n", "b.txt": "b\n"}, "base")
    head = origin.commit("feature", {"a.txt": "changed\n", "new/c.txt": "c\n"}, "pr", parent=base)
    origin.open_pull(1, head)
    later_base = origin.commit("main", {"b.txt": "changed on base\n"}, "base moves")
    await mirror.fetch(TOKEN, [branch_refspec("main"), pull_head_refspec(1)])
    assert await changed_files(mirror, later_base, head) == ("a.txt", "new/c.txt")


async def test_changed_files_fall_back_to_two_dots_without_a_merge_base(origin: Origin, mirror: GitMirror) -> None:
    base = origin.commit("main", {"a.txt": "a\n"}, "base")
    unrelated = origin.commit("orphan", {"z.txt": "z\n"}, "unrelated root")
    origin.open_pull(3, unrelated)
    await mirror.fetch(TOKEN, [branch_refspec("main"), pull_head_refspec(3)])
    assert await changed_files(mirror, base, unrelated) == ("a.txt", "z.txt")


async def test_changed_files_of_an_unknown_commit_fail(origin: Origin, mirror: GitMirror) -> None:
    base = origin.commit("main", {"a.txt": "a\n"}, "base")
    await mirror.fetch(TOKEN, [branch_refspec("main")])
    with pytest.raises(GitError):
        await changed_files(mirror, base, "f" * 40)


async def test_a_rebase_of_the_same_change_is_clean(origin: Origin, mirror: GitMirror) -> None:
    base = origin.commit("main", {"a.txt": "a\n", "bin.dat": "\x00\x01"}, "base")
    before = origin.commit("feature", {"feature.txt": "f\n"}, "feature", parent=base)
    origin.commit("main", {"a.txt": "base moved\n"}, "unrelated base change")
    after = origin.commit("feature", {"feature.txt": "f\n"}, "feature rebased", parent=origin.sha("main"))
    await mirror.fetch(TOKEN, [branch_refspec("main")])
    await mirror.fetch_missing_commits(TOKEN, [before, after])
    assert await is_clean_rebase(mirror, "refs/heads/main", before, after)
    assert await pr_diff_hash(mirror, "refs/heads/main", before) == await pr_diff_hash(mirror, "refs/heads/main", after)


async def test_a_push_that_changes_the_diff_is_not_clean(origin: Origin, mirror: GitMirror) -> None:
    base = origin.commit("main", {"a.txt": "a\n"}, "base")
    before = origin.commit("feature", {"feature.txt": "f\n"}, "feature", parent=base)
    after = origin.commit("feature", {"feature.txt": "f2\n"}, "more work")
    await mirror.fetch(TOKEN, [branch_refspec("main")])
    await mirror.fetch_missing_commits(TOKEN, [before, after])
    assert not await is_clean_rebase(mirror, "refs/heads/main", before, after)


async def test_any_git_error_means_not_clean(origin: Origin, mirror: GitMirror) -> None:
    base = origin.commit("main", {"a.txt": "a\n"}, "base")
    await mirror.fetch(TOKEN, [branch_refspec("main")])
    assert not await is_clean_rebase(mirror, "refs/heads/main", base, "e" * 40)
