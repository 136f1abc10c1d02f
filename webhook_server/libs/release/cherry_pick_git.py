"""The git part of one cherry-pick (`release.md` §1.2 steps 3–8): the new branch, `git cherry-pick` with the
`-m 1` fallback, the conflict state, finishing after a resolution, and the optional pre-commit fix-up."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from webhook_server.libs.process.runner import CommandResult, command_environment, run_command
from webhook_server.libs.release.cherry_pick_text import PRE_COMMIT_FIX_MESSAGE
from webhook_server.libs.release.worktree_git import WorktreeGit

LOGGER = logging.getLogger(__name__)

MERGE_WITHOUT_MAINLINE = "is a merge but no -m option was given"
CONFLICT_MARKERS = ("<<<<<<<", ">>>>>>>")


@dataclass(frozen=True)
class PickOutcome:
    """How `git cherry-pick` ended: applied, stopped on conflicts, or failed otherwise (with git's output)."""

    applied: bool
    conflict: bool
    output: str
    mainline: bool = False


def _output(result: CommandResult) -> str:
    return "\n".join(part for part in (result.stdout.strip(), result.stderr.strip()) if part)


async def cherry_pick(git: WorktreeGit, commit_sha: str) -> PickOutcome:
    """`git cherry-pick <sha>`; when git says it is a merge commit without `-m`, again with `-m 1`."""
    result = await git.run(["cherry-pick", commit_sha], check=False)
    mainline = False
    if not result.succeeded and MERGE_WITHOUT_MAINLINE in result.stderr:
        LOGGER.info("Commit %s is a merge commit; cherry-picking with -m 1", commit_sha[:7])
        await git.run(["cherry-pick", "--abort"], check=False)
        result = await git.run(["cherry-pick", "-m", "1", commit_sha], check=False)
        mainline = True
    output = _output(result)
    return PickOutcome(result.succeeded, "CONFLICT" in output, output, mainline)


async def abort_cherry_pick(git: WorktreeGit) -> None:
    """Leave the worktree as it was before the cherry-pick (errors ignored: the worktree is thrown away)."""
    await git.run(["cherry-pick", "--abort"], check=False)


async def conflicted_files(git: WorktreeGit) -> tuple[str, ...]:
    """Paths git reports as unmerged."""
    output = await git.output(["diff", "--name-only", "--diff-filter=U"])
    return tuple(line for line in output.splitlines() if line)


def _holds_markers(file: Path) -> bool:
    return file.is_file() and any(marker in file.read_text(errors="replace") for marker in CONFLICT_MARKERS)


async def markers_left(git: WorktreeGit, paths: tuple[str, ...]) -> list[str]:
    """Files among `paths` that still hold conflict markers (`git diff --check` and a text search)."""
    check = await git.run(["diff", "--check"], check=False)
    left = {line.split(":", 1)[0] for line in check.stdout.splitlines() if "conflict marker" in line}
    for path in paths:
        if await asyncio.to_thread(_holds_markers, git.path / path):
            left.add(path)
    return sorted(left)


async def finish_resolution(git: WorktreeGit) -> None:
    """After a conflict resolution: `git add -A`, then continue the cherry-pick if one is still in progress."""
    await git.run(["add", "-A"])
    in_progress = await git.run(["rev-parse", "--verify", "--quiet", "CHERRY_PICK_HEAD"], check=False)
    if in_progress.succeeded:
        await git.run(["-c", "core.editor=true", "cherry-pick", "--continue"])


async def changed_file_count(git: WorktreeGit, commit: str, *, mainline: bool) -> int:
    """How many files `commit` changes (against its first parent for a merge commit picked with `-m 1`)."""
    args = ["diff", "--name-only", f"{commit}^1", commit] if mainline else ["show", "--name-only", "--format=", commit]
    return len([line for line in (await git.output(args)).splitlines() if line])


@dataclass(frozen=True)
class PreCommitOutcome:
    """`passed`, `fixed` (a fix-up commit was made) or `unfixable`, with the tool's output."""

    state: str
    output: str


async def run_pre_commit(
    git: WorktreeGit, launcher: tuple[str, ...], data_dir: Path, timeout_seconds: float
) -> PreCommitOutcome:
    """`<launcher> run --all-files`; on failure with changes, commit them as the fix-up commit."""
    with tempfile.TemporaryDirectory(prefix="cherry-pick-pre-commit-") as tmp:
        env = command_environment(data_dir, Path(tmp))
        argv = [*launcher, "run", "--all-files"]
        result = await run_command(argv, cwd=git.path, env=env, timeout_seconds=timeout_seconds)
    output = _output(result)
    if result.succeeded:
        return PreCommitOutcome("passed", output)
    if await git.is_clean():
        return PreCommitOutcome("unfixable", output)
    await git.run(["add", "-A"])
    await git.run(["commit", "--signoff", "--no-verify", "-m", PRE_COMMIT_FIX_MESSAGE], env=git.identity.environment())
    return PreCommitOutcome("fixed", output)
