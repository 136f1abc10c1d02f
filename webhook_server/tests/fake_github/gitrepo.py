"""Real bare git repositories for the fake GitHub, driven through git subprocesses."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

ZERO_SHA = "0" * 40
SHA_RE = re.compile(r"^[0-9a-f]{40}$")
BRANCH_REF_RE = re.compile(r"^refs/heads/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
T = TypeVar("T")
FIELD_SEP = "\x1f"
RECORD_SEP = "\x1e"
LOG_FORMAT = FIELD_SEP.join(["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"]) + RECORD_SEP

GIT_BASE_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


class GitError(RuntimeError):
    """A git command failed."""


@dataclass(frozen=True)
class Identity:
    """A git author or committer."""

    name: str
    email: str


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Identity
    author_date: str
    committer: Identity
    committer_date: str
    message: str


@dataclass(frozen=True)
class FileChange:
    filename: str
    status: str  # added | modified | removed | renamed
    additions: int
    deletions: int
    blob_sha: str
    patch: str
    previous_filename: str | None = None


@dataclass(frozen=True)
class TreeEntry:
    path: str
    mode: str
    type: str  # blob | tree | commit
    sha: str
    size: int


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A clean environment for git: no user or system config, no prompts."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **GIT_BASE_ENV}
    env.update(extra or {})
    return env


def _utc_iso(git_iso: str) -> str:
    """Normalise git's strict ISO date (with offset) to GitHub's `...Z` form."""
    return git_iso.replace("+00:00", "Z")


class GitRepo:
    """One bare repository on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._memo: dict[tuple[str, ...], Any] = {}

    def _memoized(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        """Cache answers that depend only on commit SHAs (commits never change)."""
        if not all(SHA_RE.match(part) for part in key[1:]):
            return compute()
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    @classmethod
    def init_bare(cls, path: Path, default_branch: str) -> GitRepo:
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "init", "--quiet", "--bare", f"--initial-branch={default_branch}", str(path)],
            check=True,
            env=git_env(),
            capture_output=True,
        )
        repo = cls(path)
        repo.run("config", "http.receivepack", "true")
        repo.run("config", "uploadpack.allowAnySHA1InWant", "true")
        return repo

    def run(self, *args: str, stdin: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        result = subprocess.run(
            ["git", "--git-dir", str(self.path), *args],
            input=stdin,
            capture_output=True,
            env=git_env({"TZ": "UTC"}),
            check=False,
        )
        if check and result.returncode != 0:
            raise GitError(f"git {' '.join(args)} failed: {result.stderr.decode(errors='replace').strip()}")
        return result

    def text(self, *args: str) -> str:
        return self.run(*args).stdout.decode()

    def rev(self, ref: str) -> str | None:
        """The commit SHA a ref or SHA names, or None. A branch is read from the ref files (see `_branch_tip`)."""
        if BRANCH_REF_RE.match(ref) and ".." not in ref and not ref.endswith(".lock"):
            tip = self._branch_tip(ref)
            if tip is not None:
                return tip
        result = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        if result.returncode != 0:
            return None
        return result.stdout.decode().strip()

    def _branch_tip(self, ref: str) -> str | None:
        """A branch's SHA read as git stores it (a loose ref file, else `packed-refs`), without a subprocess:
        serializing one PR asked git for its base tip, and a `git rev-parse` costs milliseconds of CPU."""
        try:
            loose = (self.path / ref).read_text().strip()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return self._packed_ref(ref)
        return loose if SHA_RE.match(loose) else None  # a symbolic ref: git resolves it

    def _packed_ref(self, ref: str) -> str | None:
        try:
            lines = (self.path / "packed-refs").read_text().splitlines()
        except FileNotFoundError:
            return None
        suffix = f" {ref}"
        return next((line[:40] for line in lines if line.endswith(suffix) and SHA_RE.match(line[:40])), None)

    def refs(self, prefix: str = "refs/") -> dict[str, str]:
        out = self.text("for-each-ref", "--format=%(refname) %(objectname)", prefix)
        return dict(line.split(" ", 1) for line in out.splitlines())

    def branches(self) -> dict[str, str]:
        return {ref.removeprefix("refs/heads/"): sha for ref, sha in self.refs("refs/heads/").items()}

    def update_ref(self, ref: str, sha: str) -> None:
        self.run("update-ref", ref, sha)

    def delete_ref(self, ref: str) -> None:
        self.run("update-ref", "-d", ref)

    def commit_files(
        self,
        ref: str,
        parent: str | None,
        files: Mapping[str, str | bytes | None],
        *,
        message: str,
        author: Identity,
        committer: Identity,
    ) -> str:
        """Write a commit on top of `parent` changing `files` (None deletes) and point `ref` at it."""
        stream = bytearray()
        stream += f"commit {ref}\n".encode()
        stream += f"author {author.name} <{author.email}> now\n".encode()
        stream += f"committer {committer.name} <{committer.email}> now\n".encode()
        body = message.encode()
        stream += f"data {len(body)}\n".encode() + body + b"\n"
        stream += f"from {parent}\n".encode() if parent else f"from {ZERO_SHA}\n".encode()
        for path, content in files.items():
            if content is None:
                stream += f"D {path}\n".encode()
                continue
            data = content.encode() if isinstance(content, str) else content
            stream += f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"
        stream += b"done\n"
        self.run("fast-import", "--quiet", "--done", "--force", "--date-format=now", stdin=bytes(stream))
        sha = self.rev(ref)
        assert sha is not None
        return sha

    def commit_tree(
        self, tree: str, parents: Sequence[str], message: str, author: Identity, committer: Identity
    ) -> str:
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        result = subprocess.run(
            ["git", "--git-dir", str(self.path), *args],
            input=message.encode(),
            capture_output=True,
            check=True,
            env=git_env(
                {
                    "GIT_AUTHOR_NAME": author.name,
                    "GIT_AUTHOR_EMAIL": author.email,
                    "GIT_COMMITTER_NAME": committer.name,
                    "GIT_COMMITTER_EMAIL": committer.email,
                    "TZ": "UTC",
                }
            ),
        )
        return result.stdout.decode().strip()

    def commit_info(self, sha: str) -> CommitInfo:
        return self.log(sha, "-1")[0]

    def log(self, *revs: str) -> list[CommitInfo]:
        """Commits of `git log <revs>` (newest first), parsed."""
        out = self.text("log", f"--format={LOG_FORMAT}", "--date=iso-strict", *revs)
        commits = []
        for raw_record in out.split(RECORD_SEP):
            record = raw_record.lstrip("\n")
            if not record:
                continue
            sha, tree, parents, an, ae, ad, cn, ce, cd, message = record.split(FIELD_SEP)
            commits.append(
                CommitInfo(
                    sha=sha,
                    tree=tree,
                    parents=tuple(parents.split()),
                    author=Identity(an, ae),
                    author_date=_utc_iso(ad),
                    committer=Identity(cn, ce),
                    committer_date=_utc_iso(cd),
                    message=message.rstrip("\n"),
                )
            )
        return commits

    def commits_between(self, base: str, head: str) -> list[CommitInfo]:
        """Commits reachable from head but not from base, oldest first (like a PR's commit list)."""
        return self._memoized(("between", base, head), lambda: list(reversed(self.log(f"{base}..{head}"))))

    def merge_base(self, first: str, second: str) -> str | None:
        def compute() -> str | None:
            return self.run("merge-base", first, second, check=False).stdout.decode().strip() or None

        return self._memoized(("merge-base", first, second), compute)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        def compute() -> bool:
            return self.run("merge-base", "--is-ancestor", ancestor, descendant, check=False).returncode == 0

        return self._memoized(("ancestor", ancestor, descendant), compute)

    def ahead_behind(self, base: str, head: str) -> tuple[int, int]:
        """(ahead_by, behind_by) of head relative to base."""
        behind, ahead = self.text("rev-list", "--left-right", "--count", f"{base}...{head}").split()
        return int(ahead), int(behind)

    def merge_tree(self, base: str, head: str) -> str | None:
        """The tree of merging head into base, or None when they conflict."""
        return self._memoized(("merge-tree", base, head), lambda: self._merge_tree(base, head))

    def _merge_tree(self, base: str, head: str) -> str | None:
        result = self.run("merge-tree", "--write-tree", "--no-messages", base, head, check=False)
        if result.returncode == 0:
            return result.stdout.decode().split()[0]
        if result.returncode == 1:
            return None
        raise GitError(f"git merge-tree failed: {result.stderr.decode(errors='replace').strip()}")

    def diff(self, base: str, head: str) -> list[FileChange]:
        """Changed files between two commits, with line counts and patches."""
        return self._memoized(("diff", base, head), lambda: self._diff(base, head))

    def _diff(self, base: str, head: str) -> list[FileChange]:
        raw = self.text("diff", "--raw", "-z", "-M", "--no-abbrev", base, head).split("\0")
        numstat = self.text("diff", "--numstat", "-z", "-M", base, head)
        patches = _split_patches(self.run("diff", "-M", base, head).stdout.decode(errors="replace"))
        counts = _parse_numstat(numstat)
        changes: list[FileChange] = []
        index = 0
        while index < len(raw) - 1:
            meta = raw[index].lstrip(":").split()
            status_letter = meta[4][0]
            if status_letter in "RC":
                old_path, path = raw[index + 1], raw[index + 2]
                index += 3
            else:
                old_path, path = None, raw[index + 1]
                index += 2
            additions, deletions = counts.get(path, (0, 0))
            changes.append(
                FileChange(
                    filename=path,
                    status={"A": "added", "D": "removed", "R": "renamed", "C": "copied"}.get(status_letter, "modified"),
                    additions=additions,
                    deletions=deletions,
                    blob_sha=meta[3] if status_letter != "D" else meta[2],
                    patch=patches[len(changes)] if len(changes) < len(patches) else "",
                    previous_filename=old_path,
                )
            )
        return changes

    def ls_tree(self, ref: str, path: str) -> list[TreeEntry]:
        """Entries at `path` (a file gives itself; a directory gives its children; '' is the root)."""
        spec = f"{ref}:{path}" if path else f"{ref}^{{tree}}"
        kind = self.run("cat-file", "-t", spec, check=False)
        if kind.returncode != 0:
            return []
        if kind.stdout.decode().strip() == "tree":
            out = self.text("ls-tree", "-l", "-z", spec)
            prefix = f"{path}/" if path else ""
        else:
            parent, _, _ = path.rpartition("/")
            out = self.text("ls-tree", "-l", "-z", f"{ref}:{parent}" if parent else f"{ref}^{{tree}}", "--")
            prefix = f"{parent}/" if parent else ""
        entries = []
        for line in filter(None, out.split("\0")):
            meta, name = line.split("\t", 1)
            mode, obj_type, sha, size = meta.split()
            full = prefix + name
            if kind.stdout.decode().strip() != "tree" and full != path:
                continue
            entries.append(TreeEntry(full, mode, obj_type, sha, int(size) if size != "-" else 0))
        return entries

    def read_blob(self, sha: str) -> bytes:
        return self.run("cat-file", "blob", sha).stdout

    def read_file(self, ref: str, path: str) -> bytes | None:
        result = self.run("cat-file", "blob", f"{ref}:{path}", check=False)
        return result.stdout if result.returncode == 0 else None

    def branches_containing(self, sha: str) -> list[str]:
        out = self.text("for-each-ref", "--contains", sha, "--format=%(refname:short)", "refs/heads/")
        return out.split()

    def shortlog_emails(self, ref: str) -> list[tuple[str, int]]:
        """(author email, commit count) for every author reachable from ref."""
        if self.rev(ref) is None:
            return []
        out = self.text("shortlog", "-sne", ref)
        counts = []
        for line in out.splitlines():
            count, _, rest = line.strip().partition("\t")
            counts.append((rest[rest.rfind("<") + 1 : -1], int(count)))
        return counts


def _parse_numstat(out: str) -> dict[str, tuple[int, int]]:
    """Map new path → (additions, deletions) from `git diff --numstat -z -M`."""
    counts: dict[str, tuple[int, int]] = {}
    fields = out.split("\0")
    index = 0
    while index < len(fields) - 1:
        added, deleted, path = fields[index].split("\t", 2)
        index += 1
        if not path:  # rename: the next two fields are the old and new paths
            path = fields[index + 1]
            index += 2
        counts[path] = (int(added) if added != "-" else 0, int(deleted) if deleted != "-" else 0)
    return counts


def _split_patches(diff_text: str) -> list[str]:
    """The hunk text of each file section of a unified diff, in order (GitHub's `patch` field)."""
    sections = diff_text.split("\ndiff --git ") if diff_text else []
    patches = []
    for section in sections:
        start = section.find("\n@@")
        patches.append(section[start + 1 :].rstrip("\n") if start >= 0 else "")
    return patches
