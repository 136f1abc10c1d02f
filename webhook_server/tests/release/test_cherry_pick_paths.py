"""The harder cherry-pick paths (`release.md` §1.2 steps 4–8, §1.4; `oracle-and-ai.md` §3.3): conflicts and
the manual-instructions comment, AI resolution through the registered resolver hook, DCO author restoration,
and the pre-commit fix-up commit — all with real git on the fake GitHub's repositories."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from webhook_server.libs.release.cherry_pick_text import MANUAL_HEADER, PRE_COMMIT_FIX_MESSAGE, PRE_COMMIT_UNFIXABLE
from webhook_server.libs.release.conflicts import ConflictContext, ConflictResolution
from webhook_server.tests.release.world import (
    AI_PICKS,
    APPROVER,
    AUTHOR,
    AUTHOR_NAME,
    HOOKS,
    PICKS,
    RELEASE_BRANCH,
    ReleaseWorld,
)

LABEL = f"cherry-pick-{RELEASE_BRANCH}"


def _conflicting_pr(world: ReleaseWorld, repo: str, path: str) -> int:
    """A PR that changes `path`, which release-1 changed differently."""
    world.fake.push(repo, "main", {path: "value = 'base'\n"}, message="add the file")
    world.fake.push(repo, RELEASE_BRANCH, {path: "value = 'release'\n"}, message="release change")
    number = world.open_pr(repo, {path: "value = 'main'\n"}, title=f"feat: change {path}")
    world.fake.add_label(repo, number, LABEL, author=APPROVER)
    return number


def _picks_of(world: ReleaseWorld, repo: str, title_part: str) -> list[dict[str, Any]]:
    return [pull for pull in world.cherry_pick_pulls(repo, RELEASE_BRANCH) if title_part in pull["title"]]


async def test_a_conflict_asks_for_a_manual_cherry_pick(release_world: ReleaseWorld) -> None:
    world = release_world
    number = _conflicting_pr(world, PICKS, "src/conflict.py")
    head_sha = world.fake.pull(PICKS, number)["head"]["sha"]
    await world.merge(PICKS, number)
    merge_sha = world.fake.pull(PICKS, number)["merge_commit_sha"]
    [comment] = world.server_comments(PICKS, number)
    assert comment.startswith(MANUAL_HEADER)
    assert f"git cherry-pick {merge_sha}" in comment
    assert f"# for a merge commit: git cherry-pick -m 1 {merge_sha}" in comment
    assert "CONFLICT" in comment
    [run] = world.fake.check_runs(PICKS, head_sha, "CherryPicked")
    assert run["conclusion"] == "failure"
    assert "CONFLICT" in run["output"]["text"]
    assert not _picks_of(world, PICKS, "src/conflict.py")


async def test_dco_sign_off_and_author_are_restored(release_world: ReleaseWorld) -> None:
    """Squash merge: the sign-off comes from the newest PR commit; its email becomes the author's."""
    world = release_world
    message = "feat: signed change\n\nSigned-off-by: Dana Real <dana@real.example>\n"
    number = world.open_pr(PICKS, {"src/signed.py": "signed = 1\n"}, title="feat: signed change", message=message)
    world.fake.add_label(PICKS, number, LABEL, author=APPROVER)
    await world.merge(PICKS, number)
    [new] = _picks_of(world, PICKS, "signed change")
    branch = new["head"]["ref"]
    author = world.git(PICKS, "log", "-1", "--format=%an <%ae>", branch).strip()
    body = world.git(PICKS, "log", "-1", "--format=%B", branch)
    assert author == f"{AUTHOR_NAME} <dana@real.example>"
    assert body.count("Signed-off-by:") == 1
    assert body.rstrip().endswith("Signed-off-by: Dana Real <dana@real.example>")
    committer = world.git(PICKS, "log", "-1", "--format=%cn", branch).strip()
    assert committer == "release-bot"


@pytest.fixture
def resolver(release_world: ReleaseWorld) -> Iterator[list[ConflictContext]]:
    """A stand-in AI: resolves by writing `value = 'resolved'`; `broken.py` it leaves with markers."""
    seen: list[ConflictContext] = []

    async def resolve(context: ConflictContext) -> ConflictResolution:
        seen.append(context)
        if any("refuse" in path for path in context.conflicted_files):
            return ConflictResolution(False, "the model gave up")
        for path in context.conflicted_files:
            if "broken" not in path:
                (context.worktree / path).write_text("value = 'resolved'\n")
        return ConflictResolution(True)

    release_world.service.conflict_resolver = resolve
    yield seen
    release_world.service.conflict_resolver = None


async def test_ai_resolved_conflicts_are_marked_and_reported(
    release_world: ReleaseWorld, resolver: list[ConflictContext]
) -> None:
    world = release_world
    number = _conflicting_pr(world, AI_PICKS, "src/ai.py")
    await world.merge(AI_PICKS, number)
    [context] = resolver
    assert (context.target_branch, context.conflicted_files) == (RELEASE_BRANCH, ("src/ai.py",))
    assert context.original_title == "feat: change src/ai.py"
    [new] = _picks_of(world, AI_PICKS, "src/ai.py")
    new_number = new["number"]
    assert world.fake.file(AI_PICKS, "src/ai.py", ref=new["head"]["ref"]) == "value = 'resolved'\n"
    assert "ai-resolved-conflicts" in world.fake.labels(AI_PICKS, new_number)
    [report] = world.server_comments(AI_PICKS, number)
    assert "`claude/sonnet`" in report
    assert f"@{AUTHOR}, please verify" in report
    [warning] = world.server_comments(AI_PICKS, new_number)
    assert "resolved by AI" in warning


@pytest.mark.parametrize("path", ["src/refuse.py", "src/broken.py"], ids=["ai-gives-up", "markers-left"])
async def test_a_failed_ai_resolution_falls_back_to_manual(
    release_world: ReleaseWorld, resolver: list[ConflictContext], path: str
) -> None:
    world = release_world
    number = _conflicting_pr(world, AI_PICKS, path)
    await world.merge(AI_PICKS, number)
    assert len(resolver) == 1
    [comment] = world.server_comments(AI_PICKS, number)
    assert comment.startswith(MANUAL_HEADER)
    assert not _picks_of(world, AI_PICKS, path)


async def test_pre_commit_fixes_are_committed_on_the_cherry_pick_branch(release_world: ReleaseWorld) -> None:
    world = release_world
    number = world.open_pr(HOOKS, {"src/tabs.py": "def f():\n\treturn 1\n"}, title="feat: tabs")
    world.fake.add_label(HOOKS, number, LABEL, author=APPROVER)
    await world.merge(HOOKS, number)
    [new] = _picks_of(world, HOOKS, "tabs")
    branch = new["head"]["ref"]
    assert world.fake.file(HOOKS, "src/tabs.py", ref=branch) == "def f():\n    return 1\n"
    subjects = world.git(HOOKS, "log", "--format=%s", f"{RELEASE_BRANCH}..{branch}").splitlines()
    assert subjects == [PRE_COMMIT_FIX_MESSAGE, f"feat: tabs (#{number})"]
    fix_body = world.git(HOOKS, "log", "-1", "--format=%B", branch)
    assert "Signed-off-by: release-bot" in fix_body


async def test_unfixable_pre_commit_failures_stop_the_cherry_pick(release_world: ReleaseWorld) -> None:
    world = release_world
    number = world.open_pr(HOOKS, {"notes.txt": "FORBIDDEN words\n"}, title="feat: forbidden")
    world.fake.add_label(HOOKS, number, LABEL, author=APPROVER)
    await world.merge(HOOKS, number)
    assert world.server_comments(HOOKS, number) == [PRE_COMMIT_UNFIXABLE]
    assert not _picks_of(world, HOOKS, "forbidden")
