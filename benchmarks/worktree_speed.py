"""Time to get a worktree of a PR (head with base merged) from the cached mirror, versus a full `git clone`.

A repository with 2,000 commits and 5,000 files is generated on the fake GitHub (served over real smart
HTTP on 127.0.0.1). For each of 10 deliveries, a new commit is pushed to the PR, then:
- mirror: fetch base + `refs/pull/<n>/head` into the bare mirror, add a worktree, merge the base, remove it;
- clone (what the reference does): a full `git clone` into a temp dir, fetch the PR head, check it out, merge.
Usage: `uv run python -m benchmarks.worktree_speed [--commits 2000] [--files 5000] [--deliveries 10]`
Prints one line per figure (`name value unit`), a stable format for comparing runs.
"""

import argparse
import asyncio
import subprocess
import tempfile
import time
from pathlib import Path

from webhook_server.libs.git.credentials import CommitIdentity, git_auth_environment
from webhook_server.libs.git.mirror import GitMirrors, branch_refspec, pull_head_refspec
from webhook_server.libs.git.process import GitRunner
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.server import FakeGitHubServer

FULL_NAME = "bench-org/big-repo"
IDENTITY = CommitIdentity.for_api_user("bench-bot", 1)


def generate_history(bare: Path, commits: int, files: int) -> None:
    """`commits` commits on `main` through `git fast-import`: the first adds `files` files, each later one edits 3."""
    stream = bytearray()
    for number in range(commits):
        stream += b"commit refs/heads/main\n"
        stream += f"committer Bench <bench@example.com> {1_700_000_000 + number} +0000\n".encode()
        message = f"commit {number}".encode()
        stream += f"data {len(message)}\n".encode() + message + b"\n"
        paths = range(files) if number == 0 else (number * 7 % files, number * 13 % files, number * 31 % files)
        for index in paths:
            content = f"file {index} revision {number}\n".encode() * 4
            stream += f"M 100644 inline src/dir{index % 50}/file{index}.txt\ndata {len(content)}\n".encode()
            stream += content + b"\n"
    stream += b"done\n"
    subprocess.run(
        ["git", "--git-dir", str(bare), "fast-import", "--quiet", "--done", "--force"],
        input=bytes(stream),
        check=True,
        capture_output=True,
    )


async def mirror_worktree(mirrors: GitMirrors, token: str, number: int, delivery: int) -> tuple[float, float]:
    """The server's path: fetch the needed refs, worktree at the PR head, merge the base, remove.

    Returns (fetch ms, worktree ms).
    """
    mirror = mirrors.mirror(FULL_NAME)
    started = time.perf_counter()
    await mirror.fetch(token, [branch_refspec("main"), pull_head_refspec(number)], delivery_id=f"d{delivery}")
    fetched = time.perf_counter()
    async with mirror.worktree(f"refs/pull/{number}/head") as worktree:
        await mirror.merge(worktree, "refs/heads/main", "Merge main", IDENTITY)
    return (fetched - started) * 1000, (time.perf_counter() - fetched) * 1000


async def full_clone(git: GitRunner, base_url: str, token: str, number: int, scratch: Path) -> None:
    """The reference's path: a full clone, then the PR head checked out with the base merged."""
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        clone = Path(tmp) / "clone"
        auth = git_auth_environment(base_url, token)
        await git.run(["clone", "--quiet", f"{base_url}/{FULL_NAME}.git", str(clone)], cwd=Path(tmp), env=auth)
        await git.run(
            ["fetch", "--quiet", "origin", f"+refs/pull/{number}/head:refs/remotes/origin/pr"], cwd=clone, env=auth
        )
        await git.run(["checkout", "--quiet", "origin/pr"], cwd=clone)
        await git.run(["merge", "--no-edit", "-m", "Merge main", "origin/main"], cwd=clone, env=IDENTITY.environment())


async def run(commits: int, files: int, deliveries: int) -> None:
    with tempfile.TemporaryDirectory(prefix="worktree-bench-") as tmp:
        root = Path(tmp)
        server = FakeGitHubServer(root / "fake")
        server.start()
        try:
            fake = FakeGitHub(server.backend)
            token = fake.create_token("bench-bot")
            fake.create_repo(FULL_NAME, collaborators={"bench-bot": "admin"})
            started = time.perf_counter()
            generate_history(server.backend.git_root / "bench-org" / "big-repo.git", commits, files)
            print(f"generate_repository {(time.perf_counter() - started) * 1000:.0f} ms")
            number = fake.open_pr(FULL_NAME, head="feature", base="main", files={"feature.txt": "0\n"})
            mirrors = GitMirrors(root / "data", fake.base_url)
            git = GitRunner(root / "data")
            mirror_ms: list[tuple[float, float]] = []
            clone_ms: list[float] = []
            for delivery in range(1, deliveries + 1):
                fake.push(FULL_NAME, "feature", {"feature.txt": f"{delivery}\n"})
                mirror_ms.append(await mirror_worktree(mirrors, token, number, delivery))
                started = time.perf_counter()
                await full_clone(git, fake.base_url, token, number, root)
                clone_ms.append((time.perf_counter() - started) * 1000)
        finally:
            server.stop()
    report(mirror_ms, clone_ms)


def report(mirror_ms: list[tuple[float, float]], clone_ms: list[float]) -> None:
    """Totals of the first and the tenth delivery, the ratio, and the mirror's split (fetch / worktree)."""
    for label, index in (("first", 0), ("tenth", min(9, len(mirror_ms) - 1))):
        fetch, worktree = mirror_ms[index]
        print(f"mirror_total_{label} {fetch + worktree:.0f} ms")
        print(f"mirror_fetch_{label} {fetch:.0f} ms")
        print(f"mirror_worktree_{label} {worktree:.0f} ms")
        print(f"full_clone_{label} {clone_ms[index]:.0f} ms")
        print(f"clone_to_mirror_ratio_{label} {clone_ms[index] / (fetch + worktree):.2f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--deliveries", type=int, default=10)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.commits, arguments.files, arguments.deliveries))


if __name__ == "__main__":
    main()
