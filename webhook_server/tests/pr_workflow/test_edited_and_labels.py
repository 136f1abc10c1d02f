"""`pull_request` edited, labeled and unlabeled: `wip` from the title, the conventional-title check again,
the branch label moved on a base change, forged review labels, `verified` and merge-relevant labels."""

from webhook_server.libs.rules.label_events import forged_label_comment
from webhook_server.tests.pr_workflow.conftest import API_USER, AUTHOR, EnvFactory


async def test_title_edit_sets_wip_and_reruns_conventional_title(make_env: EnvFactory) -> None:
    env = await make_env({"conventional-title": "feat,fix"})
    number = await env.open_pr(title="feat: good")
    assert env.check(number, "conventional-title")["conclusion"] == "success"

    env.fake.edit_pr(env.repo, number, title="WIP: bad title", author=AUTHOR)
    await env.forward("pull_request", "edited")

    assert "wip" in env.labels(number)
    run = env.check(number, "conventional-title")
    assert (run["conclusion"], run["output"]["title"]) == ("failure", "❌ Conventional Title")
    assert len(env.fake.check_runs(env.repo, env.head_sha(number), "conventional-title")) == 1  # updated in place

    env.fake.edit_pr(env.repo, number, title="fix: done", author=AUTHOR)
    await env.forward("pull_request", "edited")
    assert "wip" not in env.labels(number)
    assert env.check(number, "conventional-title")["conclusion"] == "success"


async def test_base_change_moves_the_branch_label(make_env: EnvFactory) -> None:
    env = await make_env()
    env.fake.create_branch(env.repo, "release-1", from_ref="main")
    number = await env.open_pr()

    env.fake.edit_pr(env.repo, number, base="release-1", author=AUTHOR)
    await env.forward("pull_request", "edited")

    assert "branch-release-1" in env.labels(number)
    assert "branch-main" not in env.labels(number)


async def test_forged_approval_label_is_removed_with_one_comment(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()

    env.fake.add_label(env.repo, number, "approved-alice", author="erin")
    await env.forward("pull_request", "labeled")

    assert "approved-alice" not in env.labels(number)
    bodies = [comment["body"] for comment in env.fake.comments(env.repo, number)]
    assert bodies.count(forged_label_comment("approved-alice", "erin")) == 1


async def test_own_and_maintainer_review_labels_are_kept(make_env: EnvFactory) -> None:
    env = await make_env()
    env.fake.set_collaborator(env.repo, "frank", "maintain")
    number = await env.open_pr()

    env.fake.add_label(env.repo, number, "approved-alice", author="alice")
    await env.forward("pull_request", "labeled")
    env.fake.add_label(env.repo, number, "lgtm-bob", author="frank")
    await env.forward("pull_request", "labeled")

    assert {"approved-alice", "lgtm-bob"} <= env.labels(number)
    assert "Missing approved from approvers" not in env.check(number, "can-be-merged")["output"]["text"]


async def test_verified_label_moves_the_verified_check(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()

    env.fake.add_label(env.repo, number, "verified", author="alice")
    await env.forward("pull_request", "labeled")
    assert env.check(number, "verified")["conclusion"] == "success"

    env.fake.remove_label(env.repo, number, "verified", author="alice")
    await env.forward("pull_request", "unlabeled")
    assert env.check(number, "verified")["status"] == "queued"


async def test_hold_label_requests_an_evaluation(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()

    env.fake.add_label(env.repo, number, "hold", author="alice")
    row = await env.forward("pull_request", "labeled")

    assert "Hold label exists." in env.check(number, "can-be-merged")["output"]["text"]
    assert env.summary(row)["workflow_steps"]["check_merge_eligibility"]["can_merge"] is False


async def test_required_label_requests_an_evaluation(make_env: EnvFactory) -> None:
    env = await make_env({"can-be-merged-required-labels": ["qa-approved"]})
    number = await env.open_pr()
    assert "Missing required labels: qa-approved" in env.check(number, "can-be-merged")["output"]["text"]

    env.fake.add_label(env.repo, number, "qa-approved", author="alice")
    await env.forward("pull_request", "labeled")

    assert "Missing required labels" not in env.check(number, "can-be-merged")["output"]["text"]


async def test_unrelated_and_own_can_be_merged_labels_are_skipped(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()

    env.fake.add_label(env.repo, number, "bug", author="alice")
    assert (await env.forward("pull_request", "labeled")).outcome == "skipped:label"
    env.fake.add_label(env.repo, number, "can-be-merged", author=API_USER)
    assert (await env.forward("pull_request", "labeled")).outcome == "skipped:label"


async def test_label_created_elsewhere_is_used_and_given_its_colour(make_env: EnvFactory) -> None:
    env = await make_env()
    env.fake.create_branch(env.repo, "release-2", from_ref="main")
    await env.open_pr(head="first")  # the server now knows the repository's labels
    env.fake.create_label(env.repo, "Branch-Release-2", "ffffff")  # by hand; GitHub compares names ignoring case

    number = await env.open_pr(head="second", base="release-2")

    assert "Branch-Release-2" in env.labels(number)
    assert env.fake.repo_labels(env.repo)["Branch-Release-2"].lower() == "1d76db"  # `branch-*` colour (§2.2)
    [refused_create] = [call for call in env.fake.calls("POST", f"/repos/{env.repo}/labels") if call.status == 422]
    assert refused_create.identity == API_USER
    [recolour] = env.fake.calls("PATCH", f"/repos/{env.repo}/labels/")
    assert recolour.identity == API_USER
