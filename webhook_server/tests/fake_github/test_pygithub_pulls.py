"""PyGithub against the fake: pull requests, issues, comments, reactions, reviews, checks, statuses,
mergeability, compare and merges, asserting the state transitions the server relies on."""

from __future__ import annotations

import pytest
from github import GithubException

from webhook_server.tests.fake_github.conftest import REPO, Scenario


@pytest.fixture
def number(scenario: Scenario) -> int:
    return scenario.fake.open_pr(
        REPO,
        head="feature",
        title="feat: add a",
        files={"a.py": "one\ntwo\nthree\n", "README.md": "# hello world\n"},
        message="feat: add a\n\nSigned-off-by: bob <bob@example.com>",
        author="bob",
    )


def test_pull_request_attributes(scenario: Scenario, number: int) -> None:
    pull = scenario.gh.get_repo(REPO).get_pull(number)
    assert (pull.number, pull.title, pull.state, pull.draft, pull.merged) == (
        number,
        "feat: add a",
        "open",
        False,
        False,
    )
    assert (pull.user.login, pull.head.ref, pull.base.ref) == ("bob", "feature", "main")
    assert pull.head.sha == scenario.fake.branch_sha(REPO, "feature")
    assert pull.base.sha == scenario.fake.branch_sha(REPO, "main")
    assert (pull.additions, pull.deletions, pull.changed_files, pull.commits) == (4, 1, 2, 1)
    assert (pull.mergeable, pull.mergeable_state) == (True, "clean")
    assert pull.html_url == f"{scenario.fake.base_url}/{REPO}/pull/{number}"
    assert pull.node_id
    files = {f.filename: (f.status, f.additions, f.deletions) for f in pull.get_files()}
    assert files == {"a.py": ("added", 3, 0), "README.md": ("modified", 1, 1)}
    commit = pull.get_commits()[0]
    assert commit.commit.message.endswith("Signed-off-by: bob <bob@example.com>")
    assert commit.author.login == "bob"
    assert commit.committer.login == "bob"
    listed = scenario.gh.get_repo(REPO).get_pulls(state="open")
    assert [(p.number, p.head.sha) for p in listed] == [(number, pull.head.sha)]


def test_commit_committer_login_is_linked_only_for_known_emails(scenario: Scenario, number: int) -> None:
    unknown = scenario.fake.push(
        REPO, "feature", {"b": "1"}, author="bob", committer=("Some One", "someone@example.com")
    )
    repo = scenario.gh.get_repo(REPO)
    assert repo.get_commit(unknown).committer is None
    assert repo.get_commit(unknown).author.login == "bob"
    merged = scenario.fake.merge(REPO, number, author="alice")
    web_flow = repo.get_commit(merged).committer
    assert (web_flow.login, web_flow.id) == ("web-flow", 19864447)
    assert [p.number for p in repo.get_commit(unknown).get_pulls()] == [number]


def test_title_base_and_state_edits(scenario: Scenario, number: int) -> None:
    scenario.fake.create_branch(REPO, "release-1")
    pull = scenario.gh.get_repo(REPO).get_pull(number)
    pull.edit(title="WIP: feat: add a", base="release-1")
    assert scenario.fake.pull(REPO, number)["title"] == "WIP: feat: add a"
    assert scenario.fake.pull(REPO, number)["base"]["ref"] == "release-1"
    pull.edit(state="closed")
    assert scenario.fake.pull(REPO, number)["state"] == "closed"
    assert scenario.fake.pull(REPO, number)["merged"] is False
    pull.edit(state="open")
    assert scenario.fake.pull(REPO, number)["state"] == "open"


def test_opening_a_pull_request_through_the_api(scenario: Scenario) -> None:
    scenario.fake.push(REPO, "fix", {"f": "1"}, author="bob")
    repo = scenario.client(scenario.bob_token).get_repo(REPO)
    pull = repo.create_pull(base="main", head="fix", title="fix: f", body="body", draft=True)
    assert (pull.draft, pull.user.login) == (True, "bob")
    with pytest.raises(GithubException) as duplicate:
        repo.create_pull(base="main", head="fix", title="again")
    assert duplicate.value.status == 422
    assert "already exists" in duplicate.value.data["errors"][0]["message"]


def test_comments_and_reactions(scenario: Scenario, number: int) -> None:
    issue = scenario.client(scenario.carol_token).get_repo(REPO).get_issue(number)
    comment = issue.create_comment("/lgtm")
    assert comment.user.login == "carol"
    comment.edit("/lgtm cancel")
    reaction = scenario.gh.get_repo(REPO).get_issue(number).get_comment(comment.id).create_reaction("+1")
    again = scenario.gh.get_repo(REPO).get_issue(number).get_comment(comment.id).create_reaction("+1")
    assert reaction.id == again.id
    assert [(r["content"], r["user"]["login"]) for r in scenario.fake.reactions(REPO, comment.id)] == [("+1", "alice")]
    assert [c.body for c in scenario.gh.get_repo(REPO).get_issue(number).get_comments()] == ["/lgtm cancel"]
    assert scenario.fake.comments(REPO, number)[0]["user"]["login"] == "carol"


def test_review_requests_and_reviews(scenario: Scenario, number: int) -> None:
    pull = scenario.gh.get_repo(REPO).get_pull(number)
    pull.create_review_request(reviewers=["alice", "carol"])
    assert scenario.fake.requested_reviewers(REPO, number) == ["alice", "carol"]
    assert [u.login for u in pull.get_review_requests()[0]] == ["alice", "carol"]
    with pytest.raises(GithubException) as author:
        pull.create_review_request(reviewers=["bob"])
    assert author.value.status == 422
    with pytest.raises(GithubException) as stranger:
        pull.create_review_request(reviewers=["mallory"])
    assert stranger.value.status == 422
    pull.create_review(event="APPROVE", body="/approve")
    assert scenario.fake.requested_reviewers(REPO, number) == ["carol"]
    carol_pull = scenario.client(scenario.carol_token).get_repo(REPO).get_pull(number)
    carol_pull.create_review(event="REQUEST_CHANGES", body="no")
    reviews = [(r.user.login, r.state, r.body) for r in pull.get_reviews()]
    assert reviews == [("alice", "APPROVED", "/approve"), ("carol", "CHANGES_REQUESTED", "no")]
    with pytest.raises(GithubException) as own:
        scenario.client(scenario.bob_token).get_repo(REPO).get_pull(number).create_review(event="APPROVE")
    assert own.value.status == 422
    pull.get_review(pull.get_reviews()[1].id).dismiss("stale")
    assert scenario.fake.reviews(REPO, number)[1]["state"] == "DISMISSED"


def test_assignees_and_tracking_issue(scenario: Scenario, number: int) -> None:
    repo = scenario.gh.get_repo(REPO)
    repo.get_pull(number).add_to_assignees("bob", "stranger")
    assert scenario.fake.assignees(REPO, number) == ["bob"]
    issue = repo.create_issue(
        title=f"feat: add a - {number}", body=f"[Auto generated]\nNumber: [#{number}]", assignee="bob"
    )
    assert [user.login for user in issue.assignees] == ["bob"]
    open_items = {i.number: i.pull_request is not None for i in repo.get_issues(state="open")}
    assert open_items == {issue.number: False, number: True}
    issue.create_comment("closed with the PR")
    issue.edit(state="closed")
    assert scenario.fake.issues(REPO)[0]["state"] == "closed"
    assert [i.number for i in repo.get_issues(state="open", creator=scenario.gh.get_user("alice"))] == []


def test_check_runs_through_the_app(scenario: Scenario, number: int) -> None:
    scenario.fake.install_app(REPO)
    app = scenario.client(scenario.fake.installation_token(REPO)).get_repo(REPO)
    sha = scenario.fake.pull(REPO, number)["head"]["sha"]
    run = app.create_check_run(name="tox", head_sha=sha, status="queued")
    run.edit(status="in_progress")
    run.edit(status="completed", conclusion="failure", output={"title": "Tox", "summary": "Exit code 1", "text": "log"})
    app.create_check_run(name="pre-commit", head_sha=sha, status="completed", conclusion="success")
    again = app.create_check_run(name="tox", head_sha=sha, status="completed", conclusion="success")
    latest = {r.name: (r.status, r.conclusion) for r in app.get_commit(sha).get_check_runs()}
    assert latest == {"tox": ("completed", "success"), "pre-commit": ("completed", "success")}
    named = list(app.get_commit(sha).get_check_runs(check_name="tox", filter="all"))
    assert [r.id for r in named] == [again.id, run.id]
    fetched = app.get_check_run(run.id)
    assert (fetched.output.title, fetched.output.summary, fetched.output.text) == ("Tox", "Exit code 1", "log")
    assert fetched.pull_requests[0].number == number
    assert scenario.fake.check_run_conclusions(REPO, sha) == {"tox": "success", "pre-commit": "success"}


def test_check_runs_of_other_apps(scenario: Scenario, number: int) -> None:
    scenario.fake.install_app(REPO)
    sha = scenario.fake.pull(REPO, number)["head"]["sha"]
    scenario.fake.check_run(REPO, sha, "ci/other", status="in_progress", app_id=7)
    scenario.fake.check_run(REPO, sha, "tox", status="queued")
    commit = scenario.gh.get_repo(REPO).get_commit(sha)
    by_app = {run.name: run.app.id for run in commit.get_check_runs()}
    assert by_app == {"ci/other": 7, "tox": scenario.fake.app_id}
    listed = scenario.http.get(f"/repos/{REPO}/commits/{sha}/check-runs", params={"app_id": scenario.fake.app_id})
    assert [run["name"] for run in listed.json()["check_runs"]] == ["tox"]


def test_check_run_validation(scenario: Scenario) -> None:
    scenario.fake.install_app(REPO)
    app = scenario.client(scenario.fake.installation_token(REPO)).get_repo(REPO)
    with pytest.raises(GithubException) as unknown_sha:
        app.create_check_run(name="tox", head_sha="0" * 40)
    assert unknown_sha.value.status == 422
    sha = scenario.fake.branch_sha(REPO, "main")
    assert sha is not None
    with pytest.raises(GithubException) as missing_summary:
        app.create_check_run(name="tox", head_sha=sha, status="completed", conclusion="success", output={"title": "t"})
    assert missing_summary.value.status == 422


def test_commit_statuses_and_combined_state(scenario: Scenario, number: int) -> None:
    sha = scenario.fake.pull(REPO, number)["head"]["sha"]
    commit = scenario.gh.get_repo(REPO).get_commit(sha)
    commit.create_status("pending", context="ci/jenkins")
    assert commit.get_combined_status().state == "pending"
    commit.create_status("success", context="ci/jenkins", description="ok")
    commit.create_status("success", context="pre-commit.ci - pr")
    combined = commit.get_combined_status()
    assert (combined.state, combined.total_count) == ("success", 2)
    commit.create_status("error", context="ci/other")
    assert commit.get_combined_status().state == "failure"
    assert [s.state for s in commit.get_statuses()][:2] == ["error", "success"]


def test_mergeability_from_git_and_when_pinned(scenario: Scenario, number: int) -> None:
    scenario.fake.push(REPO, "main", {"README.md": "# conflicting\n"}, author="alice")
    pull = scenario.gh.get_repo(REPO).get_pull(number)
    assert (pull.mergeable, pull.mergeable_state) == (False, "dirty")
    scenario.fake.set_mergeable(REPO, number, True, "clean", unknown_reads=2)
    reads = [scenario.gh.get_repo(REPO).get_pull(number) for _ in range(3)]
    assert [(p.mergeable, p.mergeable_state) for p in reads] == [(None, "unknown"), (None, "unknown"), (True, "clean")]
    scenario.fake.clear_mergeable(REPO, number)
    assert scenario.gh.get_repo(REPO).get_pull(number).mergeable is False


@pytest.mark.parametrize(
    ("main_files", "expected"),
    [
        pytest.param(None, ("ahead", 1, 0), id="ahead"),
        pytest.param({"other.txt": "x\n"}, ("diverged", 1, 1), id="diverged"),
    ],
)
def test_compare_reports_ahead_behind(
    scenario: Scenario, number: int, main_files: dict[str, str] | None, expected: tuple[str, int, int]
) -> None:
    status, ahead, behind = expected
    if main_files:
        scenario.fake.push(REPO, "main", main_files, author="alice")
    comparison = scenario.gh.get_repo(REPO).compare("main", "octo-org:feature")
    assert (comparison.status, comparison.ahead_by, comparison.behind_by) == (status, ahead, behind)
    assert [f.filename for f in comparison.files] == ["README.md", "a.py"]
    assert scenario.fake.pull(REPO, number)["mergeable_state"] == ("clean" if behind == 0 else "behind")


@pytest.mark.parametrize(
    ("method", "parents"), [("merge", 2), ("squash", 1), ("rebase", 1)], ids=["merge", "squash", "rebase"]
)
def test_merge_methods_write_real_commits(scenario: Scenario, number: int, method: str, parents: int) -> None:
    scenario.fake.update_repo(REPO, delete_branch_on_merge=True)
    scenario.fake.register_hook(REPO, "")
    before = scenario.fake.branch_sha(REPO, "main")
    result = scenario.gh.get_repo(REPO).get_pull(number).merge(merge_method=method)
    assert result.merged is True
    pull = scenario.gh.get_repo(REPO).get_pull(number)
    assert (pull.merged, pull.state, pull.merged_by.login) == (True, "closed", "alice")
    assert pull.merge_commit_sha == result.sha == scenario.fake.branch_sha(REPO, "main")
    commit = scenario.gh.get_repo(REPO).get_commit(result.sha)
    assert len(commit.parents) == parents
    assert before in [p.sha for p in commit.parents]
    assert scenario.fake.file(REPO, "a.py") == "one\ntwo\nthree\n"
    assert "feature" not in scenario.fake.branches(REPO)
    closed = scenario.fake.deliveries("pull_request", action="closed")[0].payload["pull_request"]
    assert (closed["merged"], closed["merge_commit_sha"]) == (True, result.sha)
    with pytest.raises(GithubException) as again:
        scenario.gh.get_repo(REPO).get_pull(number).merge()
    assert again.value.status == 405


def test_merge_refusals(scenario: Scenario, number: int) -> None:
    scenario.fake.update_repo(REPO, allow_squash_merge=False)
    pull = scenario.gh.get_repo(REPO).get_pull(number)
    with pytest.raises(GithubException) as disallowed:
        pull.merge(merge_method="squash")
    assert disallowed.value.status == 405
    with pytest.raises(GithubException) as stale:
        pull.merge(sha="0" * 40)
    assert stale.value.status == 409
    with pytest.raises(GithubException) as reader:
        scenario.client(scenario.carol_token).get_repo(REPO).get_pull(number).merge()
    assert reader.value.status == 403
    scenario.fake.push(REPO, "main", {"README.md": "# conflicting\n"}, author="alice")
    with pytest.raises(GithubException) as conflict:
        pull.merge()
    assert conflict.value.status == 405
    assert scenario.fake.pull(REPO, number)["merged"] is False


def test_pygithub_enable_automerge_and_update_branch(scenario: Scenario, number: int) -> None:
    scenario.fake.update_repo(REPO, allow_auto_merge=True)
    scenario.fake.push(REPO, "main", {"other.txt": "x\n"}, author="alice")
    pull = scenario.gh.get_repo(REPO).get_pull(number)
    pull.enable_automerge(merge_method="SQUASH")
    assert scenario.fake.pull(REPO, number)["auto_merge"]["merge_method"] == "squash"
    pull.disable_automerge()
    assert scenario.fake.pull(REPO, number)["auto_merge"] is None
    assert pull.update_branch() is True
    updated = scenario.fake.pull(REPO, number)
    assert updated["mergeable_state"] == "clean"
    assert updated["head"]["sha"] != pull.head.sha
