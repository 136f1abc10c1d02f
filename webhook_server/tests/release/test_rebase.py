"""`/rebase` end to end (`release.md` §2): a real `git rebase` in a worktree of the server's mirror and a
`--force-with-lease` push to the fake GitHub, with a comment for success and for a conflict."""

from __future__ import annotations

from webhook_server.tests.release.world import AUTHOR, AUTHOR_NAME, PICKS, ReleaseWorld


async def test_rebase_moves_the_branch_onto_its_base(release_world: ReleaseWorld) -> None:
    world = release_world
    number = world.open_pr(PICKS, {"docs/rebase-me.md": "one\n"}, title="docs: rebase me")
    old = world.fake.pull(PICKS, number)
    main_tip = world.fake.push(PICKS, "main", {"docs/other.md": "other\n"}, message="docs: other")
    replies = await world.comment(PICKS, number, "/rebase", author=AUTHOR)
    new = world.fake.pull(PICKS, number)
    head = new["head"]["sha"]
    assert head != old["head"]["sha"]
    assert replies == [f"Rebased `{old['head']['ref']}` onto `main` and pushed `{head[:7]}`."]
    assert world.git(PICKS, "merge-base", "--is-ancestor", main_tip, head) == ""
    assert world.git(PICKS, "log", "-1", "--format=%an|%cn|%ce", head).strip() == (
        f"{AUTHOR_NAME}|release-bot|{world.fake.user('release-bot')['id']}+release-bot@users.noreply.github.com"
    )
    again = await world.comment(PICKS, number, "/rebase", author=AUTHOR)
    assert again == [f"`{old['head']['ref']}` is already up to date with `main`; nothing to rebase."]


async def test_a_conflicting_rebase_is_aborted_and_reported(release_world: ReleaseWorld) -> None:
    world = release_world
    world.fake.push(PICKS, "main", {"docs/clash.md": "base\n"}, message="docs: clash base")
    number = world.open_pr(PICKS, {"docs/clash.md": "mine\n"}, title="docs: clash")
    before = world.fake.pull(PICKS, number)["head"]["sha"]
    world.fake.push(PICKS, "main", {"docs/clash.md": "theirs\n"}, message="docs: clash on main")
    [reply] = await world.comment(PICKS, number, "/rebase", author=AUTHOR)
    assert reply.startswith("Rebase of `")
    assert "failed, so nothing was pushed. Please rebase manually." in reply
    assert "CONFLICT" in reply
    assert world.fake.pull(PICKS, number)["head"]["sha"] == before
