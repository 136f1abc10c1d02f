"""A real "origin" repository for git tests: a bare repository plus a scratch clone that writes commits.

Pull-request heads are published as `refs/pull/<n>/head`, as GitHub does.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

AUTHOR = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}


def git(*args: str, cwd: Path, env: Mapping[str, str] | None = None) -> str:
    """Run git with no user or system config; return stdout (raises on failure)."""
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(cwd),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "LC_ALL": "C",
        **AUTHOR,
        **(env or {}),
    }
    result = subprocess.run(["git", *args], cwd=cwd, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


class Origin:
    """A bare repository at `<root>/<owner>/<repo>.git`, served as `file://<root>` in tests."""

    def __init__(self, root: Path, full_name: str = "acme/widget", default_branch: str = "main") -> None:
        self.root = root
        self.full_name = full_name
        self.bare = root / f"{full_name}.git"
        self.work = root / "scratch" / full_name
        self.default_branch = default_branch
        self.bare.mkdir(parents=True)
        git("init", "--quiet", "--bare", f"--initial-branch={default_branch}", str(self.bare), cwd=root)
        git("config", "uploadpack.allowAnySHA1InWant", "true", cwd=self.bare)
        self.work.mkdir(parents=True)
        git("init", "--quiet", f"--initial-branch={default_branch}", cwd=self.work)
        git("remote", "add", "origin", str(self.bare), cwd=self.work)

    @property
    def base_url(self) -> str:
        """What the server would get as its git base URL."""
        return f"file://{self.root}"

    def commit(self, branch: str, files: Mapping[str, str | None], message: str, parent: str | None = None) -> str:
        """Commit `files` (None deletes) on `branch`, starting from `parent` or the branch tip; push it."""
        start = parent or self.sha(branch)
        if start is None:
            git("checkout", "--quiet", "--orphan", branch, cwd=self.work)
            git("rm", "-r", "--quiet", "--cached", "--ignore-unmatch", ".", cwd=self.work)
            git("clean", "-fdq", cwd=self.work)
        else:
            git("checkout", "--quiet", "--force", "-B", branch, start, cwd=self.work)
        for path, content in files.items():
            target = self.work / path
            if content is None:
                git("rm", "--quiet", path, cwd=self.work)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
            git("add", path, cwd=self.work)
        git("commit", "--quiet", "--allow-empty", "-m", message, cwd=self.work)
        sha = git("rev-parse", "HEAD", cwd=self.work).strip()
        git("push", "--quiet", "--force", "origin", f"HEAD:refs/heads/{branch}", cwd=self.work)
        return sha

    def open_pull(self, number: int, head_sha: str) -> None:
        """Point `refs/pull/<number>/head` at `head_sha`."""
        git("update-ref", f"refs/pull/{number}/head", head_sha, cwd=self.bare)

    def sha(self, ref: str) -> str | None:
        """The commit a branch or ref names in the bare repository, or None."""
        try:
            return git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=self.bare).strip()
        except RuntimeError:
            return None
