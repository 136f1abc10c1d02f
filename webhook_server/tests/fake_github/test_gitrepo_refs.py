"""`GitRepo.rev` reads branch tips from the ref files and answers exactly as `git rev-parse` does."""

from pathlib import Path

import pytest

from webhook_server.tests.fake_github.gitrepo import GitRepo, Identity

WHO = Identity("Tester", "tester@example.com")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    git = GitRepo.init_bare(tmp_path / "repo.git", "main")
    first = git.commit_files("refs/heads/main", None, {"a.txt": b"one\n"}, message="first", author=WHO, committer=WHO)
    git.update_ref("refs/heads/feature/deep-name", first)
    git.update_ref("refs/heads/to-pack", first)
    git.run("pack-refs", "--all")  # `to-pack`, `main` and `feature/deep-name` now live in packed-refs
    # main: loose again, newer than its packed line
    git.commit_files("refs/heads/main", first, {"a.txt": b"two\n"}, message="second", author=WHO, committer=WHO)
    git.run("symbolic-ref", "refs/heads/alias", "refs/heads/main")
    return git


def _rev_parse(git: GitRepo, ref: str) -> str | None:
    result = git.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return result.stdout.decode().strip() if result.returncode == 0 else None


@pytest.mark.parametrize(
    "ref",
    [
        "refs/heads/main",  # loose, overriding its packed line
        "refs/heads/to-pack",  # packed only
        "refs/heads/feature/deep-name",  # packed, with a slash
        "refs/heads/alias",  # symbolic: git resolves it
        "refs/heads/missing",
        "refs/heads/../../config",  # never read as a path
        "refs/heads/main.lock",
        "main",  # not a full ref name: git resolves it
    ],
)
def test_rev_answers_as_rev_parse(repo: GitRepo, ref: str) -> None:
    assert repo.rev(ref) == _rev_parse(repo, ref)


def test_a_packed_branch_is_read_without_git(repo: GitRepo) -> None:
    expected = _rev_parse(repo, "refs/heads/to-pack")
    assert not (repo.path / "refs/heads/to-pack").exists()
    assert repo._branch_tip("refs/heads/to-pack") == expected
    assert repo._branch_tip("refs/heads/missing") is None
