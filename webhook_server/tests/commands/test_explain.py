"""`/explain` through the real server against the fake GitHub: for a PR blocked for each reason class the reply
names the requirement and its source, the only write is the reply, and an unchanged PR gets the same reply."""

from __future__ import annotations

import httpx
import yaml

from webhook_server.tests.commands.world import (
    APPROVER,
    AUTHOR,
    COLLABORATOR,
    OPEN_DRAFTS,
    RELEASE_BRANCH,
    REPO,
    CommandWorld,
    CommentOutcome,
)

EXPLAIN_HEADER = "## 🔎 Why this PR can or cannot merge"
# The world's root OWNERS is `yaml.safe_dump` of {approvers: [alice], reviewers: [alice, rita], allowed-users: [al]}:
# keys sorted, so alice is an approver on line 4 and rita a reviewer on line 7.


async def explain(world: CommandWorld, repo: str, number: int, author: str = COLLABORATOR) -> str:
    outcome = await world.comment(repo, number, "/explain", author)
    assert outcome.row.status == "succeeded", outcome.row.error
    [reply] = outcome.replies
    assert reply.startswith(EXPLAIN_HEADER)
    return reply


def line_of(reply: str, start: str) -> str:
    """The reply line that starts with `start` (after the list marker and state mark)."""
    matches = [line for line in reply.splitlines() if start in line]
    assert matches, f"no line with {start!r} in:\n{reply}"
    return matches[0]


async def test_missing_approver_names_the_owners_file_of_the_subdirectory_and_its_line(
    command_world: CommandWorld,
) -> None:
    number = command_world.open_pr(REPO, path="docs/guide.md")

    reply = await explain(command_world, REPO, number)

    assert "❌ **Approval from `docs/OWNERS`**: not met (no approval yet)" in reply
    assert "owners: `docs/OWNERS` line 2: @sam is listed in `approvers`" in reply
    assert "❌ **Approval from `OWNERS`**: not met" in reply
    assert f"owners: `OWNERS` line 4: @{APPROVER} is listed in `approvers`" in reply
    assert "cannot be merged yet" in reply


async def test_failed_check_names_the_branch_protection_rule_and_links_the_run(command_world: CommandWorld) -> None:
    fake = command_world.fake
    fake.set_branch_protection(
        REPO,
        RELEASE_BRANCH,
        {
            "required_status_checks": {"strict": False, "contexts": ["ci/build"]},
            "required_conversation_resolution": True,
        },
    )
    number = fake.open_pr(
        REPO, head="explain-check", base=RELEASE_BRANCH, title="feat: x", author=AUTHOR, files={"src/b.py": "b\n"}
    )
    head = fake.pull(REPO, number)["head"]["sha"]
    fake.check_run(REPO, head, "ci/build", status="completed", conclusion="failure", app_id=7)
    [run] = fake.check_runs(REPO, head, "ci/build")

    reply = await explain(command_world, REPO, number)

    assert "❌ **Check `ci/build`**: not met (failed)" in reply
    assert (
        f"branch-protection: branch protection of `{RELEASE_BRANCH}` on GitHub requires the status check `ci/build`"
        in reply
    )
    assert f"check-run: check run `ci/build` on {head[:7]}: failure ([link]({run['html_url']}))" in reply
    protection = f"branch protection of `{RELEASE_BRANCH}` on GitHub: required_conversation_resolution = true"
    assert protection in reply


async def test_failed_verified_check_names_the_config_default_that_requires_it(command_world: CommandWorld) -> None:
    number = command_world.open_pr(REPO)
    head = command_world.fake.pull(REPO, number)["head"]["sha"]
    command_world.fake.check_run(REPO, head, "verified", status="completed", conclusion="failure")

    reply = await explain(command_world, REPO, number)

    assert "❌ **Check `verified`**: not met (failed)" in reply
    assert "config: built-in default of `verified-job` = true" in reply


async def test_hold_label_names_who_put_it_on_with_the_comment(command_world: CommandWorld) -> None:
    number = command_world.open_pr(REPO)
    held: CommentOutcome = await command_world.comment(REPO, number, "/hold", APPROVER)
    assert "hold" in held.labels
    hold_comment = next(item for item in command_world.fake.comments(REPO, number) if item["id"] == held.comment_id)

    reply = await explain(command_world, REPO, number)

    assert "❌ **No `hold` label**: not met (label present)" in reply
    assert f"label: label `hold` added by @{APPROVER} (`/hold` comment {hold_comment['html_url']})" in reply
    assert "✅ **No `wip` label**: met (label absent)" in reply


async def test_unresolved_conversation_links_the_thread_and_the_config_that_requires_resolution(
    command_world: CommandWorld,
) -> None:
    number = command_world.open_pr(REPO)
    command_world.fake.add_review_thread(REPO, number, path="src/app.py", line=1, body="why?", author=APPROVER)
    [thread] = command_world.fake.review_threads(REPO, number)

    reply = await explain(command_world, REPO, number)

    assert "❌ **Review conversations resolved**: not met (1 unresolved)" in reply
    assert f"review-thread: unresolved conversation at src/app.py:1 ([link]({thread['url']}))" in reply
    assert "config: built-in default of `branch-protection.required_conversation_resolution` = true" in reply


async def test_repo_local_minimum_lgtm_names_the_file_and_its_commit(command_world: CommandWorld) -> None:
    fake = command_world.fake
    local = yaml.safe_dump({"minimum-lgtm": 2})
    fake.push(OPEN_DRAFTS, "main", {".github-webhook-server.yaml": local}, message="chore: local config")
    commit = fake.branch_sha(OPEN_DRAFTS, "main")
    assert commit is not None
    fake.push(OPEN_DRAFTS, "main", {"NOTES.md": "later\n"}, message="docs: a later commit")
    number = command_world.open_pr(OPEN_DRAFTS)

    reply = await explain(command_world, OPEN_DRAFTS, number)

    assert "❌ **Minimum lgtm**: not met (0 of 2 given)" in reply
    assert f"config: `.github-webhook-server.yaml` at commit {commit[:12]}: `minimum-lgtm` = 2 (repo-local)" in reply
    assert "owners: `OWNERS` line 7: @rita is listed in `reviewers`" in reply


async def test_explain_writes_only_its_reply_and_repeats_itself_on_an_unchanged_pr(
    command_world: CommandWorld,
) -> None:
    number = command_world.open_pr(REPO)
    first = await command_world.comment(REPO, number, "/explain", COLLABORATOR)
    second = await command_world.comment(REPO, number, "/explain", AUTHOR)

    assert first.replies[:1] == second.replies
    writes = command_world.fake.calls(writes_only=True, delivery=second.delivery_id)
    assert [(call.method, call.path) for call in writes] == [("POST", f"/repos/{REPO}/issues/{number}/comments")]
    assert second.reactions == []


async def test_the_http_endpoint_answers_the_same_content_as_json_without_writing(
    command_world: CommandWorld,
) -> None:
    number = command_world.open_pr(REPO, path="docs/guide.md")
    reply = await explain(command_world, REPO, number)
    writes_before = len(command_world.fake.calls(writes_only=True))

    async with httpx.AsyncClient(base_url=command_world.server.base_url, timeout=60) as http:
        response = await http.get(f"/webhook_server/explain/{REPO}/{number}")
        unknown_repo = await http.get(f"/webhook_server/explain/org/not-served/{number}")
        unknown_pr = await http.get(f"/webhook_server/explain/{REPO}/9999")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["pr_number"], body["can_merge"]) == (number, False)
    assert len(body["requirements"]) == len([line for line in reply.splitlines() if line.startswith("- ")])
    for requirement in body["requirements"]:
        assert f"**{requirement['name']}**: {requirement['state']} ({requirement['detail']})" in reply
        for source in requirement["sources"]:
            assert f"{source['kind']}: {source['text']}" in reply
    assert command_world.fake.calls(writes_only=True)[writes_before:] == []
    assert unknown_repo.status_code == 404
    assert unknown_pr.status_code == 404
