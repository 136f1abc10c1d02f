"""The pagination helper follows `Link: rel="next"` and stops on the last page: a list whose length is a
multiple of 100 costs no extra request (the fake paginates like GitHub)."""

import pytest
from github import Auth

from webhook_server.libs.github.clients import make_github
from webhook_server.libs.github.pages import get_all_pages
from webhook_server.tests.fake_github.api import FakeGitHub

REPO = "acme/widget"


@pytest.mark.parametrize(
    ("count", "requests"),
    [(0, 1), (1, 1), (100, 1), (101, 2), (200, 2), (250, 3)],
    ids=["empty", "one", "exactly-one-page", "one-over", "exactly-two-pages", "partial-third"],
)
async def test_statuses_take_one_request_per_page(fake_github: FakeGitHub, count: int, requests: int) -> None:
    token = fake_github.create_token("alice")
    fake_github.create_repo(REPO, {"README.md": "x\n"}, author="alice")
    sha = fake_github.branch_sha(REPO, "main")
    assert sha is not None
    for number in range(count):
        fake_github.set_status(REPO, sha, f"ci/{number}", "success")
    fake_github.clear_request_log()

    items = await get_all_pages(make_github(fake_github.base_url, Auth.Token(token)), f"/repos/{REPO}/statuses/{sha}")

    assert sorted(item["context"] for item in items) == sorted(f"ci/{number}" for number in range(count))
    calls = fake_github.calls(path_prefix=f"/repos/{REPO}/statuses")
    assert len(calls) == requests
    assert calls[0].query["per_page"] == "100"


async def test_object_answers_and_a_query_in_the_url(fake_github: FakeGitHub) -> None:
    token = fake_github.create_token("alice")
    fake_github.create_repo(REPO, {"README.md": "x\n"}, author="alice")
    sha = fake_github.branch_sha(REPO, "main")
    assert sha is not None
    fake_github.install_app(REPO)
    for number in range(130):
        fake_github.check_run(REPO, sha, f"check-{number}", status="completed", conclusion="success")
    fake_github.clear_request_log()
    github = make_github(fake_github.base_url, Auth.Token(token))

    runs = await get_all_pages(github, f"/repos/{REPO}/commits/{sha}/check-runs?filter=all", item_key="check_runs")

    assert len(runs) == 130
    calls = fake_github.calls(path_prefix=f"/repos/{REPO}/commits/{sha}/check-runs")
    assert [call.query.get("page", "1") for call in calls] == ["1", "2"]
    assert all(call.query["filter"] == "all" for call in calls)
