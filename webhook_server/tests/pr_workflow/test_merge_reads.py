"""The GitHub-side inputs of a merge evaluation: one GraphQL request, or the REST reads when one page of
GraphQL cannot hold them (more than 100 check runs)."""

from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.pr_workflow.conftest import EnvFactory

OTHER_APP = 7


def _protect(fake: FakeGitHub, repo: str, contexts: list[str]) -> None:
    protection = {
        "required_status_checks": {"strict": False, "contexts": contexts},
        "enforce_admins": False,
        "required_pull_request_reviews": None,
        "restrictions": None,
    }
    fake.set_branch_protection(repo, "main", protection)


async def test_required_contexts_and_runs_come_from_one_graphql_request(make_env: EnvFactory) -> None:
    env = await make_env()
    _protect(env.fake, env.repo, ["ci/jenkins", "lint"])
    number = await env.open_pr()
    sha = env.head_sha(number)
    env.fake.check_run(env.repo, sha, "lint", status="completed", conclusion="failure", app_id=OTHER_APP)
    env.fake.set_status(env.repo, sha, "ci/jenkins", "pending", author="alice")
    env.fake.set_status(env.repo, sha, "ci/jenkins", "success", author="alice")
    env.fake.clear_request_log()

    await env.forward("status")

    text = env.check(number, "can-be-merged")["output"]["text"]
    assert "Some check runs failed: lint" in text
    assert "ci/jenkins" not in text, "the latest status of ci/jenkins passed"
    assert len(env.fake.calls("POST", "/graphql")) == 1
    assert env.fake.calls("GET", f"/repos/{env.repo}/commits/{sha}/statuses") == []
    assert env.fake.calls("GET", f"/repos/{env.repo}/branches/main/protection") == []


async def test_more_than_one_page_of_check_runs_is_read_over_rest(make_env: EnvFactory) -> None:
    env = await make_env()
    _protect(env.fake, env.repo, ["ext-100"])
    number = await env.open_pr()
    sha = env.head_sha(number)
    for index in range(101):
        conclusion = "failure" if index == 100 else "success"
        env.fake.check_run(env.repo, sha, f"ext-{index}", status="completed", conclusion=conclusion, app_id=OTHER_APP)
    env.fake.clear_request_log()

    await env.forward("check_run", "completed")

    assert "Some check runs failed: ext-100" in env.check(number, "can-be-merged")["output"]["text"]
    pages = env.fake.calls("GET", f"/repos/{env.repo}/commits/{sha}/check-runs")
    assert [call.query.get("page") for call in pages] == [None, "2"]  # the first page, then its `next` link
