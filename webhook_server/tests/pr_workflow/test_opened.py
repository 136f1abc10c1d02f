"""`pull_request` opened, ready_for_review and reopened: welcome comment, tracking issue, labels, reviewers,
assignee and queued checks — and none of it repeated by redelivery, ready_for_review or reopened."""

import sqlite3
from typing import Any

from webhook_server.libs.pr.verified import cherry_pick_branch_key
from webhook_server.libs.rules.welcome import tracking_issue_body
from webhook_server.libs.rules.welcome_markers import WELCOME_MARKER
from webhook_server.tests.pr_workflow.conftest import API_USER, AUTHOR, EnvFactory, PrEnv


def welcome_comments(env: PrEnv, number: int) -> list[str]:
    return [comment["body"] for comment in env.fake.comments(env.repo, number) if WELCOME_MARKER in comment["body"]]


def tracking_issues(env: PrEnv, number: int) -> list[dict[str, Any]]:
    return [
        issue
        for issue in env.fake.issues(env.repo)
        if "pull_request" not in issue and issue["body"] == tracking_issue_body(number)
    ]


async def test_opened_runs_the_whole_workflow(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr(title="feat: add a")

    welcome = welcome_comments(env, number)
    assert len(welcome) == 1
    assert welcome[0].splitlines()[0] == WELCOME_MARKER
    assert "### 📋 Available Commands" in welcome[0]
    assert "**Approvers:** @alice" in welcome[0]
    [issue] = tracking_issues(env, number)
    assert issue["title"] == f"feat: add a - {number}"
    assert [user["login"] for user in issue["assignees"]] == [AUTHOR]
    assert issue["user"]["login"] == API_USER
    assert env.labels(number) == {"branch-main", "size/XS"}
    assert sorted(env.fake.requested_reviewers(env.repo, number)) == ["bob", "carol"]
    assert env.fake.assignees(env.repo, number) == [AUTHOR]
    assert env.check(number, "verified")["status"] == "queued"
    assert env.check(number, "security-suspicious-paths")["conclusion"] == "success"
    assert env.check(number, "security-committer-identity")["conclusion"] == "success"
    can_be_merged = env.check(number, "can-be-merged")
    assert can_be_merged["conclusion"] == "failure"
    assert "Missing approved from approvers: alice" in can_be_merged["output"]["text"]
    assert "Some check runs not started: verified" in can_be_merged["output"]["text"]


async def test_redelivered_opened_changes_nothing(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()
    review_requests = env.fake.calls("POST", f"/repos/{env.repo}/pulls/{number}/requested_reviewers")

    await env.deliver("pull_request", env.latest_payload("pull_request", "opened"))

    assert len(welcome_comments(env, number)) == 1
    assert len(tracking_issues(env, number)) == 1
    assert env.fake.calls("POST", f"/repos/{env.repo}/pulls/{number}/requested_reviewers") == review_requests
    assert len(env.fake.check_runs(env.repo, env.head_sha(number), "can-be-merged")) == 1


async def test_welcome_and_issue_found_by_fallback_after_data_loss(make_env: EnvFactory) -> None:
    """Without effects rows (a fresh ledger), the marker and the exact issue body prevent duplicates."""
    env = await make_env()
    number = await env.open_pr()
    with sqlite3.connect(env.server.data_dir / "webhook-ledger.sqlite3") as ledger:
        assert ledger.execute("DELETE FROM effects").rowcount == 2  # welcome + tracking issue rows lost

    await env.deliver("pull_request", env.latest_payload("pull_request", "opened"))

    assert len(welcome_comments(env, number)) == 1
    assert len(tracking_issues(env, number)) == 1


async def test_wip_title_adds_wip(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr(title="WIP: not yet")
    assert "wip" in env.labels(number)
    assert "WIP label exists." in env.check(number, "can-be-merged")["output"]["text"]


async def test_draft_is_skipped_then_ready_for_review_welcomes_once(make_env: EnvFactory) -> None:
    env = await make_env()
    number = env.fake.open_pr(
        env.repo, head="feature", title="feat: a", files={"a.py": "1\n"}, author=AUTHOR, draft=True
    )
    row = await env.forward("pull_request", "opened")
    assert row.outcome == "skipped:draft"
    assert env.fake.comments(env.repo, number) == []

    env.fake.set_draft(env.repo, number, False, author=AUTHOR)
    await env.forward("pull_request", "ready_for_review")
    await env.forward("pull_request", "ready_for_review")

    assert len(welcome_comments(env, number)) == 1
    assert len(tracking_issues(env, number)) == 1
    assert "branch-main" in env.labels(number)


async def test_reopened_reopens_the_issue_without_a_second_welcome(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()
    env.fake.close(env.repo, number, author=AUTHOR)
    await env.forward("pull_request", "closed")
    [issue] = tracking_issues(env, number)
    assert issue["state"] == "closed"

    env.fake.reopen(env.repo, number, author=AUTHOR)
    await env.forward("pull_request", "reopened")

    [issue] = tracking_issues(env, number)
    assert issue["state"] == "open"
    assert len(welcome_comments(env, number)) == 1


async def test_auto_verified_author_gets_verified_and_no_issue(make_env: EnvFactory) -> None:
    env = await make_env({"auto-verified-and-merged-users": [AUTHOR]})
    number = await env.open_pr()
    assert "verified" in env.labels(number)
    assert env.check(number, "verified")["conclusion"] == "success"
    assert tracking_issues(env, number) == []
    assert "you are an auto-verified user" in welcome_comments(env, number)[0]


async def test_label_categories_and_custom_size_buckets(make_env: EnvFactory) -> None:
    env = await make_env(
        {
            "labels": {"enabled-labels": ["size"], "colors": {"size/Tiny": "green"}},
            "pr-size-thresholds": {"Tiny": {"threshold": 5}, "Huge": {"threshold": "inf", "color": "red"}},
        }
    )
    number = await env.open_pr(title="wip: disabled category")
    assert env.labels(number) == {"size/Tiny"}
    assert env.fake.repo_labels(env.repo)["size/Tiny"].lower() == "008000"


async def test_refused_reviewer_is_reported_once(make_env: EnvFactory) -> None:
    env = await make_env()
    env.fake.set_collaborator(env.repo, "carol", None)  # GitHub refuses non-collaborators
    number = await env.open_pr()
    await env.deliver("pull_request", env.latest_payload("pull_request", "opened"))

    refusals = [c["body"] for c in env.fake.comments(env.repo, number) if c["body"].startswith("Could not request")]
    assert len(refusals) == 1
    assert "@carol" in refusals[0]
    assert env.fake.requested_reviewers(env.repo, number) == ["bob"]


async def test_our_cherry_pick_pr_is_auto_verified(make_env: EnvFactory) -> None:
    env = await make_env()
    branch = "CherryPicked-feature-abcde"
    with sqlite3.connect(env.server.data_dir / "webhook-ledger.sqlite3") as ledger:
        ledger.execute(
            "INSERT INTO effects (effect_key, value, created_at) VALUES (?, ?, datetime('now'))",
            (cherry_pick_branch_key(env.repo, branch), '{"state": "pushing"}'),
        )
    env.fake.set_collaborator(env.repo, env.fake.bot_login, "write")
    number = await env.open_pr(head=branch, author=env.fake.bot_login, title="CherryPicked: [main] feat: a")

    assert "verified" in env.labels(number)
    assert env.check(number, "verified")["conclusion"] == "success"
