"""GraphQL at `<base_url>/graphql`: review threads, auto-merge mutations and GitHub's error shapes,
driven with gql and validated against GitHub's published schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport
from graphql import parse, validate

from webhook_server.tests.fake_github.conftest import REPO, Scenario
from webhook_server.tests.fake_github.graphql_schema import github_graphql_schema

REVIEW_THREADS = """
query ReviewThreads($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved isOutdated comments(first: 1) { nodes { url path line } } }
      }
    }
  }
}
"""
ENABLE_AUTO_MERGE = """
mutation EnableAutoMerge($id: ID!, $method: PullRequestMergeMethod!) {
  enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: $method}) {
    pullRequest { number autoMergeRequest { mergeMethod enabledAt enabledBy { login } } }
  }
}
"""
DISABLE_AUTO_MERGE = """
mutation DisableAutoMerge($id: ID!) {
  disablePullRequestAutoMerge(input: {pullRequestId: $id}) { pullRequest { autoMergeRequest { mergeMethod } } }
}
"""
RESOLVE_THREAD = """
mutation Resolve($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { id isResolved } } }
"""
PULL_STATE = """
query PullState($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    squashMergeAllowed mergeCommitAllowed rebaseMergeAllowed autoMergeAllowed
    pullRequest(number: $number) { id state isDraft mergeable headRefOid baseRefName author { login } }
  }
}
"""
SERVER_DOCUMENTS = [REVIEW_THREADS, ENABLE_AUTO_MERGE, DISABLE_AUTO_MERGE, RESOLVE_THREAD, PULL_STATE]


@pytest.fixture
def client(scenario: Scenario) -> Iterator[Client]:
    transport = HTTPXTransport(url=scenario.fake.graphql_url, headers={"Authorization": f"Bearer {scenario.token}"})
    with Client(transport=transport, schema=github_graphql_schema()) as session:
        yield session


def run(client: Client, document: str, **variables: Any) -> dict[str, Any]:
    return client.execute(GraphQLRequest(document, variable_values=variables))


def _raw(scenario: Scenario, query: str, token: str | None = None, **variables: Any) -> httpx.Response:
    headers = {"Authorization": f"bearer {token or scenario.token}"} if token != "" else {}
    body = {"query": query, "variables": variables}
    return httpx.post(scenario.fake.graphql_url, json=body, headers=headers, timeout=15)


@pytest.mark.parametrize("document", SERVER_DOCUMENTS, ids=["threads", "enable", "disable", "resolve", "state"])
def test_documents_validate_against_githubs_schema(document: str) -> None:
    assert validate(github_graphql_schema(), parse(document)) == []


def test_schema_rejects_fields_github_does_not_have() -> None:
    errors = validate(github_graphql_schema(), parse('{ repository(owner: "a", name: "b") { noSuchField } }'))
    assert len(errors) == 1
    assert errors[0].message.startswith("Cannot query field 'noSuchField' on type 'Repository'.")


def test_review_threads_paginate_with_cursors(scenario: Scenario, client: Client) -> None:
    number = scenario.fake.open_pr(REPO, head="f", files={"a.py": "a\n"}, author="bob")
    for index in range(150):
        scenario.fake.add_review_thread(
            REPO,
            number,
            path=f"src/f{index}.py",
            line=index + 1,
            body="?",
            author="alice",
            resolved=index % 3 == 0,
            outdated=index == 149,
        )
    pages = []
    cursor = None
    while True:
        data = run(client, REVIEW_THREADS, owner="octo-org", name="hello", number=number, cursor=cursor)
        threads = data["repository"]["pullRequest"]["reviewThreads"]
        pages.append(threads["nodes"])
        if not threads["pageInfo"]["hasNextPage"]:
            break
        cursor = threads["pageInfo"]["endCursor"]
    assert [len(page) for page in pages] == [100, 50]
    nodes = [node for page in pages for node in page]
    assert sum(not node["isResolved"] for node in nodes) == 100
    first = nodes[1]["comments"]["nodes"][0]
    assert (first["path"], first["line"]) == ("src/f1.py", 2)
    assert first["url"].startswith(f"{scenario.fake.base_url}/octo-org/hello/pull/")
    last = nodes[-1]
    assert last["isOutdated"] is True
    assert last["comments"]["nodes"][0]["line"] is None
    assert [t["id"] for t in scenario.fake.review_threads(REPO, number)] == [node["id"] for node in nodes]


def test_enable_and_disable_auto_merge(scenario: Scenario, client: Client) -> None:
    scenario.fake.update_repo(REPO, allow_auto_merge=True)
    scenario.fake.register_hook(REPO, "")
    number = scenario.fake.open_pr(REPO, head="f", files={"a.py": "a\n"}, author="bob")
    node = scenario.gh.get_repo(REPO).get_pull(number).node_id
    enabled = run(client, ENABLE_AUTO_MERGE, id=node, method="SQUASH")["enablePullRequestAutoMerge"]
    assert enabled["pullRequest"]["autoMergeRequest"]["mergeMethod"] == "SQUASH"
    assert enabled["pullRequest"]["autoMergeRequest"]["enabledBy"]["login"] == "alice"
    rest = scenario.fake.pull(REPO, number)["auto_merge"]
    assert (rest["merge_method"], rest["enabled_by"]["login"]) == ("squash", "alice")
    assert scenario.gh.get_repo(REPO).get_pull(number).auto_merge is not None
    disabled = run(client, DISABLE_AUTO_MERGE, id=node)["disablePullRequestAutoMerge"]
    assert disabled["pullRequest"]["autoMergeRequest"] is None
    assert scenario.fake.pull(REPO, number)["auto_merge"] is None
    actions = [d.action for d in scenario.fake.deliveries("pull_request")]
    assert actions[-2:] == ["auto_merge_enabled", "auto_merge_disabled"]
    assert not scenario.fake.pull(REPO, number)["merged"]


def test_auto_merge_merges_once_protected_branch_requirements_pass(scenario: Scenario, client: Client) -> None:
    scenario.fake.update_repo(REPO, allow_auto_merge=True)
    scenario.fake.install_app(REPO)
    scenario.fake.set_branch_protection(
        REPO,
        "main",
        {"required_status_checks": {"strict": False, "contexts": ["tox"]}, "required_pull_request_reviews": None},
    )
    number = scenario.fake.open_pr(REPO, head="f", files={"a.py": "a\n"}, author="bob")
    pull = scenario.fake.pull(REPO, number)
    run(client, ENABLE_AUTO_MERGE, id=pull["node_id"], method="MERGE")
    assert not scenario.fake.pull(REPO, number)["merged"]
    scenario.fake.check_run(REPO, pull["head"]["sha"], "tox", conclusion="failure")
    assert not scenario.fake.pull(REPO, number)["merged"]
    scenario.fake.check_run(REPO, pull["head"]["sha"], "tox", conclusion="success")
    merged = scenario.fake.pull(REPO, number)
    assert merged["merged"] is True
    assert merged["merged_by"]["login"] == "alice"
    assert scenario.fake.branch_sha(REPO, "main") == merged["merge_commit_sha"]


def test_auto_merge_refused_when_repository_disallows_it(scenario: Scenario, client: Client) -> None:
    number = scenario.fake.open_pr(REPO, head="f", files={"a.py": "a\n"}, author="bob")
    response = _raw(scenario, ENABLE_AUTO_MERGE, id=scenario.fake.pull(REPO, number)["node_id"], method="SQUASH")
    body = response.json()
    assert response.status_code == 200
    assert body["data"] == {"enablePullRequestAutoMerge": None}
    assert body["errors"][0]["type"] == "UNPROCESSABLE"
    assert body["errors"][0]["path"] == ["enablePullRequestAutoMerge"]
    with pytest.raises(TransportQueryError):
        run(client, ENABLE_AUTO_MERGE, id=scenario.fake.pull(REPO, number)["node_id"], method="SQUASH")


def test_resolve_thread_mutation_emits_webhook(scenario: Scenario, client: Client) -> None:
    scenario.fake.register_hook(REPO, "")
    number = scenario.fake.open_pr(REPO, head="f", files={"a.py": "a\n"}, author="bob")
    thread = scenario.fake.add_review_thread(REPO, number, path="a.py", line=1, body="?", author="alice")
    result = run(client, RESOLVE_THREAD, id=thread)["resolveReviewThread"]["thread"]
    assert result == {"id": thread, "isResolved": True}
    assert scenario.fake.review_threads(REPO, number)[0]["is_resolved"] is True
    assert scenario.fake.deliveries("pull_request_review_thread", action="resolved")


def test_pull_state_fields(scenario: Scenario, client: Client) -> None:
    number = scenario.fake.open_pr(REPO, head="f", files={"a.py": "a\n"}, author="bob", draft=True)
    data = run(client, PULL_STATE, owner="octo-org", name="hello", number=number)["repository"]
    assert data["squashMergeAllowed"] is True
    assert data["autoMergeAllowed"] is False
    pull = data["pullRequest"]
    assert (pull["state"], pull["isDraft"], pull["mergeable"]) == ("OPEN", True, "MERGEABLE")
    assert pull["author"]["login"] == "bob"
    assert pull["headRefOid"] == scenario.fake.pull(REPO, number)["head"]["sha"]


@pytest.mark.parametrize(
    ("variables", "error_type", "path"),
    [
        pytest.param({"owner": "octo-org", "name": "missing", "number": 1}, "NOT_FOUND", ["repository"], id="repo"),
        pytest.param(
            {"owner": "octo-org", "name": "hello", "number": 99}, "NOT_FOUND", ["repository", "pullRequest"], id="pull"
        ),
    ],
)
def test_missing_objects_give_not_found_errors(
    scenario: Scenario, variables: dict[str, Any], error_type: str, path: list[str]
) -> None:
    body = _raw(scenario, PULL_STATE, **variables).json()
    assert body["errors"][0]["type"] == error_type
    assert body["errors"][0]["path"] == path


def test_connection_requires_first_or_last(scenario: Scenario) -> None:
    query = '{ repository(owner: "octo-org", name: "hello") { pullRequests { totalCount } } }'
    body = _raw(scenario, query).json()
    assert "You must provide a `first` or `last` value" in body["errors"][0]["message"]


def test_invalid_document_is_answered_with_errors(scenario: Scenario) -> None:
    body = _raw(scenario, '{ repository(owner: "octo-org", name: "hello") { nope } }').json()
    assert "data" not in body
    assert "nope" in body["errors"][0]["message"]


def test_graphql_needs_authentication_and_has_its_own_quota(scenario: Scenario) -> None:
    assert _raw(scenario, "{ viewer { login } }", token="").status_code == 401
    response = _raw(scenario, "{ viewer { login } rateLimit { remaining limit } }")
    assert response.json()["data"]["viewer"]["login"] == "alice"
    assert response.headers["X-RateLimit-Resource"] == "graphql"
    assert scenario.fake.calls(path_prefix="/graphql")[-1].kind == "graphql"
