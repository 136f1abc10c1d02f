"""GitHub's protocol as clients see it: auth, rate-limit headers, errors, pagination, ETags, faults, log."""

from __future__ import annotations

import time

import httpx
import pytest
from github import GithubException

from webhook_server.tests.fake_github.conftest import REPO, Scenario, pygithub


def _get(scenario: Scenario, path: str, token: str | None = None, **headers: str) -> httpx.Response:
    auth = {"Authorization": f"token {token or scenario.token}"} if token != "" else {}
    return httpx.get(f"{scenario.fake.base_url}{path}", headers={**auth, **headers}, timeout=15)


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        pytest.param("token {token}", 200, id="token-scheme"),
        pytest.param("Bearer {token}", 200, id="bearer-scheme"),
        pytest.param("token ghp_not_a_real_token", 401, id="unknown-token"),
        pytest.param("Basic !!!", 401, id="garbage-basic"),
        pytest.param(None, 401, id="anonymous-on-user-endpoint"),
    ],
)
def test_authorization_header_forms(scenario: Scenario, authorization: str | None, status: int) -> None:
    headers = {"Authorization": authorization.format(token=scenario.token)} if authorization else {}
    response = httpx.get(f"{scenario.fake.base_url}/user", headers=headers, timeout=15)
    assert response.status_code == status
    if status == 200:
        assert response.json()["login"] == "alice"
    else:
        assert "documentation_url" in response.json()


def test_bad_credentials_body_matches_github(scenario: Scenario) -> None:
    response = _get(scenario, f"/repos/{REPO}", token="ghp_wrong")
    assert response.status_code == 401
    assert response.json()["message"] == "Bad credentials"


def test_rate_limit_headers_decrease_per_request_and_rate_limit_endpoint_is_free(scenario: Scenario) -> None:
    first = _get(scenario, f"/repos/{REPO}")
    second = _get(scenario, f"/repos/{REPO}/labels")
    assert first.headers["X-RateLimit-Limit"] == "5000"
    assert first.headers["X-RateLimit-Resource"] == "core"
    assert int(second.headers["X-RateLimit-Remaining"]) == int(first.headers["X-RateLimit-Remaining"]) - 1
    assert int(second.headers["X-RateLimit-Used"]) == int(first.headers["X-RateLimit-Used"]) + 1
    before = scenario.fake.rate_limit(scenario.token)["remaining"]
    body = _get(scenario, "/rate_limit").json()
    assert body["resources"]["core"]["remaining"] == before
    assert scenario.fake.rate_limit(scenario.token)["remaining"] == before


def test_tokens_of_different_users_have_separate_quotas(scenario: Scenario) -> None:
    _get(scenario, f"/repos/{REPO}")
    bob = _get(scenario, f"/repos/{REPO}", token=scenario.bob_token)
    assert bob.headers["X-RateLimit-Remaining"] == "4999"


def test_custom_rate_limit_of_a_token(scenario: Scenario) -> None:
    weak = scenario.fake.create_token("dave", rate_limit=60)
    response = _get(scenario, "/user", token=weak)
    assert response.headers["X-RateLimit-Limit"] == "60"


def test_exhausted_rate_limit_answers_403_until_reset(scenario: Scenario) -> None:
    scenario.fake.exhaust_rate_limit(scenario.token, reset_in=1)
    blocked = _get(scenario, f"/repos/{REPO}")
    assert blocked.status_code == 403
    assert blocked.headers["X-RateLimit-Remaining"] == "0"
    assert "rate limit exceeded" in blocked.json()["message"]
    assert int(blocked.headers["X-RateLimit-Reset"]) <= int(time.time()) + 1
    other = _get(scenario, f"/repos/{REPO}", token=scenario.bob_token)
    assert other.status_code == 200
    time.sleep(1.1)
    assert _get(scenario, f"/repos/{REPO}").status_code == 200


def test_secondary_rate_limit_sends_retry_after_then_recovers(scenario: Scenario) -> None:
    scenario.fake.secondary_rate_limit(scenario.token, retry_after=7, count=2, status=429)
    statuses = [_get(scenario, f"/repos/{REPO}") for _ in range(3)]
    assert [response.status_code for response in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "7"
    assert "secondary rate limit" in statuses[0].json()["message"]


def test_fail_next_fails_only_matching_calls_n_times(scenario: Scenario) -> None:
    scenario.fake.fail_next(2, 502, f"/repos/{REPO}/labels")
    assert _get(scenario, f"/repos/{REPO}").status_code == 200
    failures = [_get(scenario, f"/repos/{REPO}/labels").status_code for _ in range(3)]
    assert failures == [502, 502, 200]


def test_fail_next_by_method_with_retry_after(scenario: Scenario) -> None:
    scenario.fake.fail_next(1, 403, "/repos", method="POST", message="Slow down", retry_after=3)
    assert _get(scenario, f"/repos/{REPO}").status_code == 200
    response = scenario.http.post(f"/repos/{REPO}/labels", json={"name": "x", "color": "ffffff"})
    assert response.status_code == 403
    assert response.headers["Retry-After"] == "3"
    assert response.json()["message"] == "Slow down"


def test_injected_latency_delays_matching_routes(scenario: Scenario) -> None:
    scenario.fake.inject_latency(0.3, route_prefix="/repos")
    started = time.monotonic()
    _get(scenario, "/user")
    fast = time.monotonic() - started
    started = time.monotonic()
    _get(scenario, f"/repos/{REPO}")
    slow = time.monotonic() - started
    assert fast < 0.25
    assert slow >= 0.3
    scenario.fake.clear_faults()
    started = time.monotonic()
    _get(scenario, f"/repos/{REPO}")
    assert time.monotonic() - started < 0.25


def test_not_found_and_private_repositories_look_the_same(scenario: Scenario) -> None:
    scenario.fake.create_repo("octo-org/secret", {"a": "b"}, private=True, collaborators={"alice": "read"})
    missing = _get(scenario, "/repos/octo-org/nope")
    hidden = _get(scenario, "/repos/octo-org/secret", token=scenario.bob_token)
    visible = _get(scenario, "/repos/octo-org/secret")
    assert missing.status_code == hidden.status_code == 404
    assert missing.json()["message"] == hidden.json()["message"] == "Not Found"
    assert visible.status_code == 200


def test_validation_failed_has_errors_array(scenario: Scenario) -> None:
    scenario.http.post(f"/repos/{REPO}/labels", json={"name": "bug", "color": "ff0000"})
    duplicate = scenario.http.post(f"/repos/{REPO}/labels", json={"name": "Bug", "color": "ff0000"})
    assert duplicate.status_code == 422
    assert duplicate.json()["message"] == "Validation Failed"
    assert duplicate.json()["errors"] == [{"resource": "Label", "field": "name", "code": "already_exists"}]


def test_write_without_permission_is_refused(scenario: Scenario) -> None:
    number = scenario.fake.open_pr(REPO, head="f", files={"x": "1"}, author="bob")
    response = httpx.post(
        f"{scenario.fake.base_url}/repos/{REPO}/issues/{number}/labels",
        json=["x"],
        headers={"Authorization": f"token {scenario.carol_token}"},
    )
    assert response.status_code == 403
    assert scenario.fake.labels(REPO, number) == []


def test_archived_repository_is_read_only(scenario: Scenario) -> None:
    scenario.fake.update_repo(REPO, archived=True)
    response = scenario.http.post(f"/repos/{REPO}/labels", json={"name": "x"})
    assert response.status_code == 403
    assert response.json()["message"] == "Repository was archived so is read-only."


@pytest.mark.parametrize(("per_page", "pages"), [(10, 4), (30, 2), (100, 1)], ids=["10", "default-30", "max-100"])
def test_link_pagination_honours_per_page(scenario: Scenario, per_page: int, pages: int) -> None:
    for index in range(35):
        scenario.fake.create_label(REPO, f"label-{index:02d}")
    seen: list[str] = []
    url: str | None = f"{scenario.fake.base_url}/repos/{REPO}/labels?per_page={per_page}"
    requests = 0
    while url:
        response = httpx.get(url, headers={"Authorization": f"token {scenario.token}"})
        seen += [label["name"] for label in response.json()]
        requests += 1
        url = response.links.get("next", {}).get("url")
        if url:
            assert response.links["last"]["url"].endswith(f"page={pages}")
    assert requests == pages
    assert seen == [f"label-{index:02d}" for index in range(35)]


def test_last_page_links_back(scenario: Scenario) -> None:
    for index in range(5):
        scenario.fake.create_label(REPO, f"l{index}")
    response = scenario.http.get(f"/repos/{REPO}/labels", params={"per_page": 2, "page": 3})
    assert [label["name"] for label in response.json()] == ["l4"]
    assert set(response.links) == {"first", "prev"}


def test_pygithub_pagination_reads_every_page(scenario: Scenario) -> None:
    for index in range(45):
        scenario.fake.create_label(REPO, f"p{index}")
    client = pygithub(scenario.fake, scenario.token, per_page=20)
    scenario.fake.clear_request_log()
    names = [label.name for label in client.get_repo(REPO).get_labels()]
    assert len(names) == 45
    assert len(scenario.fake.calls("GET", f"/repos/{REPO}/labels")) == 3


def test_etag_conditional_request_returns_304_without_spending_quota(scenario: Scenario) -> None:
    path = f"/repos/{REPO}/contents/OWNERS"
    first = _get(scenario, path)
    remaining = int(first.headers["X-RateLimit-Remaining"])
    again = _get(scenario, path, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert int(again.headers["X-RateLimit-Remaining"]) == remaining
    scenario.fake.push(REPO, "main", {"OWNERS": "approvers:\n  - bob\n"}, author="alice")
    changed = _get(scenario, path, **{"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != first.headers["ETag"]


def test_request_log_records_identity_status_and_delivery(scenario: Scenario) -> None:
    scenario.fake.clear_request_log()
    _get(scenario, f"/repos/{REPO}", **{"X-GitHub-Delivery": "d-1"})
    _get(scenario, "/repos/octo-org/missing", token=scenario.bob_token)
    scenario.http.post(f"/repos/{REPO}/labels", json={"name": "new"})
    log = scenario.fake.request_log
    assert [(r.method, r.path, r.identity, r.status) for r in log] == [
        ("GET", f"/repos/{REPO}", "alice", 200),
        ("GET", "/repos/octo-org/missing", "bob", 404),
        ("POST", f"/repos/{REPO}/labels", "alice", 201),
    ]
    assert log[0].delivery == "d-1"
    assert len(scenario.fake.calls(delivery="d-1")) == 1
    assert len(scenario.fake.calls(writes_only=True)) == 1
    assert len(scenario.fake.calls(identity="bob")) == 1
    assert scenario.fake.calls(token=scenario.token)[0].token == scenario.token


def test_pygithub_raises_on_github_errors(scenario: Scenario) -> None:
    with pytest.raises(GithubException) as raised:
        scenario.gh.get_repo("octo-org/missing")
    assert raised.value.status == 404
