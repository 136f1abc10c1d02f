"""check_run, status and closed: merge evaluations, the `automerge` merge, native auto-merge, merge-state
labels, the tracking issue on close, the refresh of other PRs after a merge — and one full lifecycle."""

import uuid
from typing import Any

from webhook_server.libs.rules.automerge import AUTO_MERGE_BLOCKED_PREFIX
from webhook_server.libs.rules.welcome import tracking_issue_body
from webhook_server.libs.rules.welcome_markers import WELCOME_MARKER
from webhook_server.tests.pr_workflow.conftest import API_USER, AUTHOR, EnvFactory, PrEnv

PROTECTION = {
    "required_status_checks": {"strict": False, "contexts": ["ci/jenkins"]},
    "enforce_admins": False,
    "required_pull_request_reviews": None,
    "restrictions": None,
}


def tracking_issue(env: PrEnv, number: int) -> dict[str, Any]:
    [issue] = [item for item in env.fake.issues(env.repo) if item["body"] == tracking_issue_body(number)]
    return issue


async def approve_and_verify(env: PrEnv, number: int) -> None:
    env.fake.review(env.repo, number, author="alice", state="COMMENT", body="/approve")
    await env.forward("pull_request_review", "submitted")
    env.fake.add_label(env.repo, number, "verified", author="alice")
    await env.forward("pull_request", "labeled")


async def test_full_lifecycle_from_open_to_automerge(make_env: EnvFactory) -> None:
    env = await make_env({"minimum-lgtm": 1})
    env.fake.set_branch_protection(env.repo, "main", PROTECTION)

    number = await env.open_pr()
    assert len([c for c in env.fake.comments(env.repo, number) if WELCOME_MARKER in c["body"]]) == 1
    assert env.labels(number) == {"branch-main", "size/XS"}
    assert sorted(env.fake.requested_reviewers(env.repo, number)) == ["bob", "carol"]
    assert env.check(number, "verified")["status"] == "queued"
    text = env.check(number, "can-be-merged")["output"]["text"]
    assert "Some check runs not started: ci/jenkins, verified" in text
    assert "Missing lgtm from reviewers. Minimum 1 required, (0 given). Reviewers: alice, bob, carol." in text

    env.fake.review(env.repo, number, author="bob", state="APPROVE")
    await env.forward("pull_request_review", "submitted")
    await approve_and_verify(env, number)
    env.fake.set_status(env.repo, env.head_sha(number), "ci/jenkins", "success", author="alice")
    await env.forward("status")

    can_be_merged = env.check(number, "can-be-merged")
    assert (can_be_merged["conclusion"], can_be_merged["output"]["title"]) == ("success", "Check if can be merged")
    assert {"lgtm-bob", "approved-alice", "verified", "can-be-merged"} <= env.labels(number)
    assert not env.fake.pull(env.repo, number)["merged"]

    env.fake.add_label(env.repo, number, "automerge", author="alice")
    await env.forward("pull_request", "labeled")
    pull = env.fake.pull(env.repo, number)
    assert pull["merged"]
    assert env.fake.calls("PUT", f"/repos/{env.repo}/pulls/{number}/merge")[0].identity == API_USER

    await env.forward("pull_request", "closed")
    issue = tracking_issue(env, number)
    assert issue["state"] == "closed"
    [closing] = env.fake.comments(env.repo, issue["number"])
    assert f"#{number}" in closing["body"]
    assert "merged" in closing["body"]


async def test_passed_can_be_merged_check_run_merges_an_automerge_pr(make_env: EnvFactory) -> None:
    env = await make_env()
    env.fake.update_repo(env.repo, allow_squash_merge=False)
    number = await env.open_pr()
    await approve_and_verify(env, number)
    assert env.check(number, "can-be-merged")["conclusion"] == "success"
    env.fake.add_label(env.repo, number, "automerge", author=API_USER)  # its `labeled` is not forwarded

    row = await env.forward("check_run", "completed")

    assert env.latest_payload("check_run", "completed")["check_run"]["name"] == "can-be-merged"
    assert row.status == "succeeded"
    assert env.fake.pull(env.repo, number)["merged"]
    [merge] = env.fake.calls("PUT", f"/repos/{env.repo}/pulls/{number}/merge")
    assert merge.status == 200


async def test_other_check_runs_and_statuses_request_evaluations(make_env: EnvFactory) -> None:
    env = await make_env()
    env.fake.set_branch_protection(env.repo, "main", {**PROTECTION, "required_status_checks": {"contexts": ["ci/e2e"]}})
    number = await env.open_pr()
    sha = env.head_sha(number)
    assert "Some check runs not started: ci/e2e" in env.check(number, "can-be-merged")["output"]["text"]

    env.fake.check_run(env.repo, sha, "ci/e2e", status="in_progress")
    env.fake.check_run(env.repo, sha, "ci/e2e", conclusion="failure")
    row = await env.forward("check_run", "completed")
    assert row.status == "succeeded"
    assert "Some check runs failed: ci/e2e" in env.check(number, "can-be-merged")["output"]["text"]

    env.fake.set_status(env.repo, sha, "ci/other", "pending")
    assert (await env.forward("status")).outcome == "skipped:status-pending"


async def test_closed_without_merge_closes_the_tracking_issue_even_for_drafts(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()
    env.fake.set_draft(env.repo, number, True, author=AUTHOR)
    env.fake.close(env.repo, number, author=AUTHOR)

    await env.forward("pull_request", "closed")

    issue = tracking_issue(env, number)
    assert issue["state"] == "closed"
    [closing] = env.fake.comments(env.repo, issue["number"])
    assert "closed without merging" in closing["body"]


async def test_merge_refreshes_other_open_prs_on_the_same_base(make_env: EnvFactory) -> None:
    env = await make_env()
    first = await env.open_pr(head="first", files={"a.py": "1\n"})
    second = await env.open_pr(head="second", files={"b.py": "2\n"})
    assert "needs-rebase" not in env.labels(second)

    env.fake.merge(env.repo, first, author="alice", method="merge")
    await env.forward("pull_request", "closed")

    env.fake.wait_until(lambda: "needs-rebase" in env.labels(second))
    assert "needs-rebase" not in env.labels(first)


async def test_merge_state_labels_follow_mergeable(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()
    env.fake.set_mergeable(env.repo, number, False, "dirty")
    env.fake.add_label(env.repo, number, "hold", author=API_USER)
    env.fake.push(env.repo, "feature", {"a.py": "x = 5\n"}, author=AUTHOR)
    await env.forward("pull_request", "synchronize")
    assert "has-conflicts" in env.labels(number)
    assert "PR is not mergeable: False" in env.check(number, "can-be-merged")["output"]["text"]

    env.fake.set_mergeable(env.repo, number, None)
    env.fake.push(env.repo, "feature", {"a.py": "x = 6\n"}, author=AUTHOR)
    await env.forward("pull_request", "synchronize")
    assert "has-conflicts" in env.labels(number)  # still unknown: left unchanged
    assert "PR mergeability is not known yet" in env.check(number, "can-be-merged")["output"]["text"]

    env.fake.set_mergeable(env.repo, number, True, "clean", unknown_reads=2)
    env.fake.push(env.repo, "feature", {"a.py": "x = 7\n"}, author=AUTHOR)
    await env.forward("pull_request", "synchronize")
    env.fake.wait_until(lambda: "has-conflicts" not in env.labels(number))  # a deferred re-check settles it


async def test_native_auto_merge_for_auto_verified_author(make_env: EnvFactory) -> None:
    env = await make_env({"auto-verified-and-merged-users": [AUTHOR]})
    env.fake.update_repo(env.repo, allow_auto_merge=True)
    number = await env.open_pr()

    assert env.fake.pull(env.repo, number)["auto_merge"] is not None


async def test_native_auto_merge_blocked_by_suspicious_paths(make_env: EnvFactory) -> None:
    env = await make_env({"set-auto-merge-prs": ["main"]})
    env.fake.update_repo(env.repo, allow_auto_merge=True)
    number = await env.open_pr(files={".github/workflows/ci.yml": "on: push\n"})
    await env.deliver("pull_request", env.latest_payload("pull_request", "opened"))

    assert env.fake.pull(env.repo, number)["auto_merge"] is None
    assert env.check(number, "security-suspicious-paths")["conclusion"] == "failure"
    blocked = [
        c["body"] for c in env.fake.comments(env.repo, number) if c["body"].startswith(AUTO_MERGE_BLOCKED_PREFIX)
    ]
    assert len(blocked) == 1
    assert "`.github/workflows/ci.yml`" in blocked[0]


async def test_evaluations_of_one_pr_are_coalesced(make_env: EnvFactory) -> None:
    """While the second delivery is still queued or running in the PR's lane, the first one's request waits
    for it and both are covered by one evaluation (the latest requester's)."""
    env = await make_env()
    number = await env.open_pr()
    env.server.runtime.evaluations.quiet_seconds = 10.0  # the bound is not what ends the wait here
    sha = env.head_sha(number)
    payloads = []
    for context in ("ci/a", "ci/b"):
        env.fake.set_status(env.repo, sha, context, "success", author="alice")
        payloads.append(env.latest_payload("status"))
    env.fake.inject_latency(0.5, f"/repos/{env.repo}/commits/{sha}/pulls")  # each lane phase takes >= 0.5 s

    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    for delivery_id, payload in zip(ids, payloads, strict=True):
        assert (await env.server.post("status", payload, delivery_id)).status_code == 200
    for delivery_id in ids:
        assert (await env.server.wait_finished(delivery_id, timeout=60)).status == "succeeded"

    steps = [env.server.summary_of(delivery_id)["workflow_steps"]["check_merge_eligibility"] for delivery_id in ids]
    assert steps[0]["coalesced_into"] == ids[1]
    assert steps[1]["can_merge"] is False
    assert len(env.fake.check_runs(env.repo, sha, "can-be-merged")) == 1


async def test_unknown_mergeability_is_evaluated_again_later(make_env: EnvFactory) -> None:
    env = await make_env()
    number = env.fake.open_pr(env.repo, head="feature", title="feat: a", files={"a.py": "1\n"}, author=AUTHOR)
    env.fake.set_mergeable(env.repo, number, None)
    await env.forward("pull_request", "opened")
    assert "PR mergeability is not known yet" in env.check(number, "can-be-merged")["output"]["text"]

    env.fake.set_mergeable(env.repo, number, True, "clean")

    def settled_text() -> str:
        run = env.check(number, "can-be-merged")
        return (
            str(run["output"]["text"])
            if run["status"] == "completed" and "not known" not in run["output"]["text"]
            else ""
        )

    assert "Missing approved from approvers: alice" in env.fake.wait_until(settled_text)
