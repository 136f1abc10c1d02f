"""DCO author restoration after a cherry-pick (`release.md` §1.2 step 7).

The `Signed-off-by` trailer is looked for in the merge commit's message, else in the newest PR commit that
has one. The cherry-picked commit is amended so its author is the original author's name with the sign-off
email, and all of its sign-off trailers are replaced by that one. Nothing is done when it already matches or
no trailer is found. The parsing and the decision are pure; `restore_dco_author` applies them with git.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from webhook_server.libs.git.process import GitError
from webhook_server.libs.release.worktree_git import WorktreeGit

LOGGER = logging.getLogger(__name__)

_SIGN_OFF = re.compile(r"^Signed-off-by:[ \t]*(?P<name>[^<\n]*?)[ \t]*<(?P<email>[^>\n]+)>[ \t]*$", re.MULTILINE)
_SIGN_OFF_LINE = re.compile(r"^Signed-off-by:.*(?:\n|$)", re.MULTILINE)
_FIELD = "\x00"
_RECORD = "\x1e"


@dataclass(frozen=True)
class SignOff:
    """One `Signed-off-by: Name <email>` trailer."""

    name: str
    email: str

    @property
    def trailer(self) -> str:
        return f"Signed-off-by: {self.name} <{self.email}>"


@dataclass(frozen=True)
class CommitFacts:
    """A commit's author and message."""

    author_name: str
    author_email: str
    message: str


@dataclass(frozen=True)
class DcoAmend:
    """The author and message the cherry-picked commit gets."""

    author_name: str
    author_email: str
    message: str


def last_sign_off(message: str) -> SignOff | None:
    """The last `Signed-off-by` trailer of a message, if any."""
    found = list(_SIGN_OFF.finditer(message))
    if not found:
        return None
    return SignOff(found[-1]["name"].strip(), found[-1]["email"].strip())


def with_only_sign_off(message: str, sign_off: SignOff) -> str:
    """The message without any `Signed-off-by` line, ending with exactly `sign_off`'s trailer."""
    body = _SIGN_OFF_LINE.sub("", message).rstrip()
    return f"{body}\n\n{sign_off.trailer}\n" if body else f"{sign_off.trailer}\n"


def find_sign_off_source(merge_commit: CommitFacts, pr_commits: Sequence[CommitFacts]) -> CommitFacts | None:
    """The merge commit if its message has a sign-off, else the newest PR commit that has one."""
    for commit in (merge_commit, *pr_commits):  # PR commits newest first
        if last_sign_off(commit.message) is not None:
            return commit
    return None


def plan_dco_amend(picked: CommitFacts, source: CommitFacts | None) -> DcoAmend | None:
    """How to amend the cherry-picked commit, or None when nothing needs to change."""
    if source is None:
        return None
    sign_off = last_sign_off(source.message)
    assert sign_off is not None  # the source was chosen for having one
    amend = DcoAmend(source.author_name, sign_off.email, with_only_sign_off(picked.message, sign_off))
    unchanged = (
        picked.author_name == amend.author_name
        and picked.author_email == amend.author_email
        and picked.message.rstrip() == amend.message.rstrip()
    )
    return None if unchanged else amend


def _parse_commits(output: str) -> list[CommitFacts]:
    commits = []
    for record in output.split(_RECORD):
        if not record.strip():
            continue
        name, email, message = record.lstrip("\n").split(_FIELD, 2)
        commits.append(CommitFacts(name, email, message))
    return commits


async def commit_facts(git: WorktreeGit, revisions: Sequence[str], *, no_walk: bool = True) -> list[CommitFacts]:
    """Author and message of the given commits (or of the walked range when `no_walk` is false)."""
    walk = ["--no-walk"] if no_walk else []
    output = await git.output(["log", *walk, "--format=%an%x00%ae%x00%B%x1e", *revisions, "--"])
    return _parse_commits(output)


async def restore_dco_author(git: WorktreeGit, merge_commit_sha: str, pull_head: str | None) -> DcoAmend | None:
    """Amend HEAD as planned; returns the amend made (None: nothing to do). Git failures are logged only."""
    try:
        [picked] = await commit_facts(git, ["HEAD"])
        [merge_commit] = await commit_facts(git, [merge_commit_sha])
        pr_commits = await commit_facts(git, [pull_head, f"^{merge_commit_sha}^1"], no_walk=False) if pull_head else []
        amend = plan_dco_amend(picked, find_sign_off_source(merge_commit, pr_commits))
        if amend is None:
            LOGGER.debug("DCO author restore: nothing to change")
            return None
        author = f"{amend.author_name} <{amend.author_email}>"
        await git.run(
            ["commit", "--amend", "--no-verify", "--allow-empty", f"--author={author}", "-F", "-"],
            stdin=amend.message.encode(),
        )
    except GitError as error:
        LOGGER.warning("DCO author restore failed (continuing): %s\n%s", error, error.output)
        return None
    LOGGER.info("Restored the DCO author of the cherry-pick: %s", author)
    return amend
