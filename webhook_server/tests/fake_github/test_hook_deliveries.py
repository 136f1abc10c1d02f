"""Hook delivery records: every posted delivery is listed with its status (failed when the target did not
answer 2xx), newest first with cursor pagination; a redelivery posts the same guid and body again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from webhook_server.tests.fake_github.conftest import REPO, Scenario
from webhook_server.tests.fake_github.test_webhooks import Receiver

UNREACHABLE = "http://127.0.0.1:1/webhook_server"


@pytest.fixture
def target() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def _comment_three_times(scenario: Scenario, number: int) -> None:
    for text in ("one", "two", "three"):
        scenario.fake.comment(REPO, number, text, author="bob")
    scenario.fake.wait_for_deliveries_sent()


def test_failed_deliveries_are_listed_newest_first_across_cursor_pages(scenario: Scenario) -> None:
    hook = scenario.fake.register_hook(REPO, UNREACHABLE, events=["issue_comment"])
    issue = scenario.fake.create_issue(REPO, "bug", "body", author="bob")
    _comment_three_times(scenario, issue)
    path = f"/repos/{REPO}/hooks/{hook}/deliveries"

    pages: list[list[dict[str, Any]]] = []
    url: str | None = path
    params: dict[str, str] | None = {"per_page": "2"}
    while url:
        response = scenario.http.get(url, params=params)
        assert response.status_code == 200
        pages.append(response.json())
        url, params = response.links.get("next", {}).get("url"), None

    items = [item for page in pages for item in page]
    assert [len(page) for page in pages] == [2, 1]
    assert [item["id"] for item in items] == sorted((item["id"] for item in items), reverse=True)
    assert {(item["status_code"], item["status"], item["redelivery"]) for item in items} == {
        (0, "failed to connect to host", False)
    }
    sent = scenario.fake.deliveries("issue_comment")
    assert {item["guid"] for item in items} == {delivery.guid for delivery in sent}


def test_redelivery_posts_the_same_delivery_to_the_hooks_current_url(scenario: Scenario, target: Receiver) -> None:
    hook = scenario.fake.register_hook(REPO, UNREACHABLE, events=["issue_comment"])
    issue = scenario.fake.create_issue(REPO, "bug", "body", author="bob")
    _comment_three_times(scenario, issue)
    [failed, *_] = scenario.fake.deliveries("issue_comment")
    scenario.fake.set_hook_url(REPO, hook, target.url)

    answer = scenario.http.post(f"/repos/{REPO}/hooks/{hook}/deliveries/{failed.id}/attempts")
    scenario.fake.wait_for_deliveries_sent()

    assert answer.status_code == 202
    [(headers, body)] = target.received
    assert headers["X-GitHub-Delivery"] == failed.guid
    assert body == failed.body
    listed = scenario.http.get(f"/repos/{REPO}/hooks/{hook}/deliveries").json()
    assert (listed[0]["guid"], listed[0]["redelivery"], listed[0]["status_code"]) == (failed.guid, True, 200)
    detail = scenario.http.get(f"/repos/{REPO}/hooks/{hook}/deliveries/{listed[0]['id']}").json()
    assert detail["request"]["headers"]["X-GitHub-Delivery"] == failed.guid


def test_refused_deliveries_api_answers_403(scenario: Scenario) -> None:
    hook = scenario.fake.register_hook(REPO, UNREACHABLE)
    scenario.fake.refuse_hook_deliveries()
    response = scenario.http.get(f"/repos/{REPO}/hooks/{hook}/deliveries")
    assert response.status_code == 403
    assert response.json()["message"] == "Resource not accessible by personal access token"


def test_muted_changes_record_no_delivery(scenario: Scenario) -> None:
    scenario.fake.register_hook(REPO, UNREACHABLE)
    with scenario.fake.webhooks_muted():
        scenario.fake.create_issue(REPO, "quiet", "body", author="bob")
    scenario.fake.create_issue(REPO, "loud", "body", author="bob")
    assert [delivery.payload["issue"]["title"] for delivery in scenario.fake.deliveries("issues")] == ["loud"]
