"""Cherry-picks when something is lost or refused (`release.md` §1.2, `intake.md` §4.4): the effects record
is gone (the fallback lookup finds the PR), the push is refused, opening the PR fails, and the original author
cannot be assigned (the first root approver is)."""

from __future__ import annotations

import sqlite3
from typing import Any

from webhook_server.tests.release.world import APPROVER, MAINTAINER, PICKS, RELEASE_BRANCH, ReleaseWorld

LABEL = f"cherry-pick-{RELEASE_BRANCH}"


def _labelled_pr(world: ReleaseWorld, path: str, title: str) -> int:
    number = world.open_pr(PICKS, {path: f"{path} = 1\n"}, title=title)
    world.fake.add_label(PICKS, number, LABEL, author=APPROVER)
    return number


def _titled(world: ReleaseWorld, part: str) -> list[dict[str, Any]]:
    return [pull for pull in world.cherry_pick_pulls(PICKS, RELEASE_BRANCH) if part in pull["title"]]


async def test_a_lost_record_is_found_again_by_the_fallback_lookup(release_world: ReleaseWorld) -> None:
    world = release_world
    number = _labelled_pr(world, "src/lost.py", "feat: lost record")
    closed = await world.merge(PICKS, number)
    assert len(_titled(world, "lost record")) == 1
    key = f"cherry-pick:{PICKS}#{number}:{RELEASE_BRANCH}"
    with sqlite3.connect(world.server.data_dir / "webhook-ledger.sqlite3") as connection:
        connection.execute("DELETE FROM effects WHERE effect_key = ?", (key,))
    await world.deliver("pull_request", closed)
    assert len(_titled(world, "lost record")) == 1
    with sqlite3.connect(world.server.data_dir / "webhook-ledger.sqlite3") as connection:
        assert connection.execute("SELECT 1 FROM effects WHERE effect_key = ?", (key,)).fetchone() is not None


async def test_a_refused_push_is_reported(release_world: ReleaseWorld) -> None:
    world = release_world
    number = _labelled_pr(world, "src/refused.py", "feat: refused push")
    world.fake.fail_next(1, 403, route_prefix=f"/{PICKS}.git/git-receive-pack", method="POST")
    await world.merge(PICKS, number)
    [comment] = world.server_comments(PICKS, number)
    assert comment.startswith("Cherry-pick to `release-1` failed: the branch `CherryPicked-")
    assert "could not be pushed" in comment
    assert not _titled(world, "refused push")


async def test_a_failed_pr_creation_explains_how_to_open_it(release_world: ReleaseWorld) -> None:
    world = release_world
    number = _labelled_pr(world, "src/unopened.py", "feat: not opened")
    world.fake.fail_next(1, 422, route_prefix=f"/repos/{PICKS}/pulls", method="POST", message="Validation Failed")
    await world.merge(PICKS, number)
    [comment] = world.server_comments(PICKS, number)
    assert "was pushed, but the pull request could not be opened" in comment
    assert "- base: `release-1`" in comment
    assert "- title: `CherryPicked: [release-1] feat: not opened`" in comment
    branch = comment.split("`")[1]
    assert world.fake.file(PICKS, "src/unopened.py", ref=branch) == "src/unopened.py = 1\n"
    assert not _titled(world, "not opened")


async def test_an_unassignable_author_falls_back_to_the_first_root_approver(release_world: ReleaseWorld) -> None:
    world = release_world
    number = world.fake.open_pr(
        PICKS, head="outside-change", title="feat: from outside", author="outsider", files={"src/out.py": "o = 1\n"}
    )
    world.fake.add_label(PICKS, number, LABEL, author=MAINTAINER)
    await world.merge(PICKS, number)
    [new] = _titled(world, "from outside")
    assert world.fake.assignees(PICKS, new["number"]) == [APPROVER]
