"""Cherry-picks end to end (`release.md` §1): the real server, the fake GitHub's real git repositories and
real `git cherry-pick`. Each test merges its own PR and reads back the PRs, comments, labels and check runs."""

from __future__ import annotations

import sqlite3
from typing import Any

from webhook_server.tests.release.world import (
    APPROVER,
    AUTHOR,
    LONG_BRANCH,
    OTHER_BRANCH,
    PICKS,
    RELEASE_BRANCH,
    ReleaseWorld,
)

LABEL = f"cherry-pick-{RELEASE_BRANCH}"


def _only_pick(world: ReleaseWorld, target: str = RELEASE_BRANCH) -> dict[str, Any]:
    [pull] = world.cherry_pick_pulls(PICKS, target)
    return world.fake.pull(PICKS, pull["number"])


async def test_a_labelled_pr_is_cherry_picked_once_at_merge(release_world: ReleaseWorld) -> None:
    world = release_world
    number = world.open_pr(PICKS, {"src/fix.py": "fixed = True\n"}, title="fix: don't crash")
    world.fake.add_label(PICKS, number, LABEL, author=APPROVER)
    head_sha = world.fake.pull(PICKS, number)["head"]["sha"]
    closed = await world.merge(PICKS, number)

    new = _only_pick(world)
    original = world.fake.pull(PICKS, number)
    assert new["title"] == "CherryPicked: [release-1] fix: dont crash"
    assert new["body"] == f"Cherry-pick from `main` branch, original PR: {original['html_url']}, PR owner: {AUTHOR}"
    assert new["head"]["ref"].startswith(f"CherryPicked-{original['head']['ref']}-")
    assert world.fake.file(PICKS, "src/fix.py", ref=new["head"]["ref"]) == "fixed = True\n"
    assert "CherryPicked-from-main" in world.fake.labels(PICKS, new["number"])
    assert world.fake.assignees(PICKS, new["number"]) == [AUTHOR]
    assert world.fake.requested_reviewers(PICKS, new["number"]) == [AUTHOR]
    [run] = world.fake.check_runs(PICKS, head_sha, "CherryPicked")
    assert (run["status"], run["conclusion"], run["output"]["title"]) == ("completed", "success", "Cherry-pick details")
    assert new["html_url"] in run["output"]["text"]
    assert world.server_comments(PICKS, number) == [f"Cherry-picked PR for `release-1`: {new['html_url']}"]

    await world.deliver("pull_request", closed)  # a redelivered merge event (new delivery id)
    assert len(world.cherry_pick_pulls(PICKS, RELEASE_BRANCH)) == 1
    world.fake.remove_label(PICKS, number, LABEL, author=APPROVER)
    replies = await world.comment(PICKS, number, f"/cherry-pick {RELEASE_BRANCH}")
    assert len(world.cherry_pick_pulls(PICKS, RELEASE_BRANCH)) == 1
    assert replies[0].endswith("the cherry-pick starts now.")
    assert LABEL in world.fake.labels(PICKS, number)


async def test_the_branch_record_exists_before_the_new_pr(release_world: ReleaseWorld) -> None:
    """The new PR's own delivery recognises it from `cherry-pick-branch:<repo>:<branch>` (pr-workflow §11.1)."""
    world = release_world
    number = world.open_pr(PICKS, {"src/record.py": "record = 1\n"})
    world.fake.add_label(PICKS, number, LABEL, author=APPROVER)
    await world.merge(PICKS, number)
    new = max(world.cherry_pick_pulls(PICKS, RELEASE_BRANCH), key=lambda pull: pull["number"])
    with sqlite3.connect(world.server.data_dir / "webhook-ledger.sqlite3") as connection:
        row = connection.execute(
            "SELECT value FROM effects WHERE effect_key = ?", (f"cherry-pick-branch:{PICKS}:{new['head']['ref']}",)
        ).fetchone()
    assert row is not None
    assert '"state": "created"' in row[0]


async def test_a_merge_commit_is_picked_with_mainline_one(release_world: ReleaseWorld) -> None:
    world = release_world
    number = world.open_pr(PICKS, {"src/merged.py": "merged = 1\n"}, title="feat: merged with a merge commit")
    world.fake.add_label(PICKS, number, f"cherry-pick-{OTHER_BRANCH}", author=APPROVER)
    await world.merge(PICKS, number, method="merge")
    [new] = [pull for pull in world.cherry_pick_pulls(PICKS, OTHER_BRANCH) if "merged with" in pull["title"]]
    branch = new["head"]["ref"]
    assert world.fake.file(PICKS, "src/merged.py", ref=branch) == "merged = 1\n"
    assert world.git(PICKS, "rev-list", "--count", f"{OTHER_BRANCH}..{branch}").strip() == "1"


async def test_two_targets_share_one_check_run(release_world: ReleaseWorld) -> None:
    world = release_world
    number = world.open_pr(PICKS, {"src/both.py": "both = 1\n"}, title="feat: to both branches")
    for branch in (OTHER_BRANCH, RELEASE_BRANCH):
        world.fake.add_label(PICKS, number, f"cherry-pick-{branch}", author=APPROVER)
    head_sha = world.fake.pull(PICKS, number)["head"]["sha"]
    await world.merge(PICKS, number)
    [run] = world.fake.check_runs(PICKS, head_sha, "CherryPicked")
    assert (run["conclusion"], run["output"]["summary"]) == ("success", "2 of 2 cherry-picks succeeded")
    text = run["output"]["text"]
    assert text.index("### `release-1`") < text.index("### `release-2`")
    comments = world.server_comments(PICKS, number)
    assert [comment.split("`")[1] for comment in comments] == [RELEASE_BRANCH, OTHER_BRANCH]


async def test_a_missing_target_branch_is_reported(release_world: ReleaseWorld) -> None:
    world = release_world
    number = world.open_pr(PICKS, {"src/gone.py": "gone = 1\n"})
    world.fake.add_label(PICKS, number, "cherry-pick-gone", author=APPROVER)
    head_sha = world.fake.pull(PICKS, number)["head"]["sha"]
    await world.merge(PICKS, number)
    assert world.server_comments(PICKS, number) == [
        "Cherry-pick to `gone` failed: the target branch `gone` does not exist."
    ]
    [run] = world.fake.check_runs(PICKS, head_sha, "CherryPicked")
    assert run["conclusion"] == "failure"
    assert not world.cherry_pick_pulls(PICKS, "gone")


async def test_requests_made_before_merge_run_at_merge(release_world: ReleaseWorld) -> None:
    """`/cherry-pick` on an open PR labels it; a label over 50 characters is recorded instead; both run."""
    world = release_world
    number = world.open_pr(PICKS, {"src/early.py": "early = 1\n"}, title="feat: requested early")
    replies = await world.comment(PICKS, number, f"/cherry-pick {RELEASE_BRANCH} {LONG_BRANCH}")
    assert "longer than 50 characters" in replies[0]
    assert replies[1].endswith("it runs when this PR is merged.")
    assert LABEL in world.fake.labels(PICKS, number)
    assert not [pull for pull in world.cherry_pick_pulls(PICKS, RELEASE_BRANCH) if "early" in pull["title"]]
    await world.merge(PICKS, number)
    for target in (RELEASE_BRANCH, LONG_BRANCH):
        assert [pull for pull in world.cherry_pick_pulls(PICKS, target) if "requested early" in pull["title"]]


async def test_retry_replaces_the_cherry_pick_pr(release_world: ReleaseWorld) -> None:
    world = release_world
    number = world.open_pr(PICKS, {"src/retry.py": "retry = 1\n"}, title="feat: retried")
    world.fake.add_label(PICKS, number, LABEL, author=APPROVER)
    await world.merge(PICKS, number)
    [first] = [pull for pull in world.cherry_pick_pulls(PICKS, RELEASE_BRANCH) if "retried" in pull["title"]]
    original_url = world.fake.pull(PICKS, number)["html_url"]
    replies = await world.comment(PICKS, number, f"/cherry-pick-retry {RELEASE_BRANCH}")
    assert replies[0] == "Retrying cherry-pick to `release-1` requested by @mia"
    assert world.fake.pull(PICKS, first["number"])["state"] == "closed"
    assert world.server_comments(PICKS, first["number"]) == [
        f"Closed by cherry-pick retry requested by @mia on {original_url}"
    ]
    picks = [pull for pull in world.cherry_pick_pulls(PICKS, RELEASE_BRANCH) if "retried" in pull["title"]]
    [second] = [pull for pull in picks if pull["state"] == "open"]
    assert second["number"] != first["number"]
    assert replies[-1] == f"Cherry-picked PR for `release-1`: {second['html_url']}"
