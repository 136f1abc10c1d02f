"""The dry-run interception rules (`utils.dry_run`): which calls are writes, what is recorded, what answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from webhook_server.utils import dry_run

MUTATION = {"query": "mutation($id: ID!) {\n enablePullRequestAutoMerge(input: {pullRequestId: $id}) { x } }"}
QUERY = {"query": 'query { repository(owner: "o", name: "r") { id } }'}


@pytest.fixture
def recorder() -> Iterator[dry_run.WriteRecorder]:
    recorder = dry_run.WriteRecorder()
    dry_run.install(recorder)
    yield recorder
    dry_run.uninstall()


@pytest.mark.parametrize(
    ("method", "path", "body", "intercepted"),
    [
        pytest.param("GET", "/repos/o/r/pulls/1", None, False, id="rest-read-is-sent"),
        pytest.param("POST", "/repos/o/r/issues/1/comments", {"body": "hi"}, True, id="rest-post"),
        pytest.param("PATCH", "/repos/o/r/check-runs/5", {"status": "completed"}, True, id="rest-patch"),
        pytest.param("DELETE", "/repos/o/r/issues/1/labels/hold", None, True, id="rest-delete"),
        pytest.param("POST", "/graphql", QUERY, False, id="graphql-query-is-sent"),
        pytest.param("POST", "/graphql", MUTATION, True, id="graphql-mutation"),
        pytest.param("POST", "/app/installations/7/access_tokens", None, False, id="app-token-mint-is-sent"),
    ],
)
def test_which_calls_are_intercepted(
    recorder: dry_run.WriteRecorder, method: str, path: str, body: Any, intercepted: bool
) -> None:
    answer = dry_run.intercept_http_write(method, path, json.dumps(body) if body is not None else None)

    assert (answer is not None) == intercepted
    assert len(recorder.writes()) == int(intercepted)


def test_nothing_is_intercepted_without_a_recorder() -> None:
    assert dry_run.intercept_http_write("POST", "/repos/o/r/issues/1/comments", "{}") is None
    assert dry_run.intercept_git_push(["push", "origin", "main"]) is False
    assert dry_run.intercept_job("check", "tox", "o/r", 1) is False


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        pytest.param("POST", "/repos/o/r/issues/1/labels", {"labels": ["hold"]}, [{"name": "hold"}], id="labels"),
        pytest.param("DELETE", "/repos/o/r/issues/1/labels/hold", None, [], id="label-removed"),
        pytest.param("DELETE", "/repos/o/r/git/refs/heads/x", None, None, id="no-content"),
    ],
)
def test_answers_stand_in_for_github(
    recorder: dry_run.WriteRecorder, method: str, path: str, body: Any, expected: Any
) -> None:
    answer = dry_run.intercept_http_write(method, path, json.dumps(body) if body is not None else None)

    assert answer is not None
    if isinstance(expected, list) and expected:
        assert [item["name"] for item in answer.body] == [item["name"] for item in expected]
    else:
        assert answer.body == expected


def test_created_objects_get_ids_and_echo_the_body(recorder: dry_run.WriteRecorder) -> None:
    answer = dry_run.intercept_http_write("POST", "/repos/o/r/issues/1/comments", b'{"body": "hello"}')

    assert answer is not None
    assert answer.status == 201
    assert answer.body["body"] == "hello"
    assert answer.body["id"] >= dry_run.FIRST_FAKE_ID


def test_assignees_and_reviewers_are_answered_as_users(recorder: dry_run.WriteRecorder) -> None:
    assigned = dry_run.intercept_http_write("POST", "/repos/o/r/issues/1/assignees", '{"assignees": ["dave"]}')
    requested = dry_run.intercept_http_write("POST", "/repos/o/r/pulls/1/requested_reviewers", '{"reviewers": ["bob"]}')

    assert assigned is not None
    assert requested is not None
    assert assigned.body["assignees"] == [{"login": "dave"}]
    assert requested.body["requested_reviewers"] == [{"login": "bob"}]


def test_mutation_answer_names_the_mutation_field(recorder: dry_run.WriteRecorder) -> None:
    answer = dry_run.intercept_http_write("POST", "/graphql", json.dumps(MUTATION))

    assert answer is not None
    assert "enablePullRequestAutoMerge" in answer.body["data"]


def test_pushes_and_jobs_are_listed_in_order_and_masked(recorder: dry_run.WriteRecorder) -> None:
    dry_run.intercept_http_write("POST", "/repos/o/r/issues/1/comments", '{"body": "x", "token": "s3cret-value"}')
    assert dry_run.intercept_git_push(["push", "https://example/o/r.git", "HEAD:refs/heads/x"])
    assert dry_run.intercept_job("check", "tox", "o/r", 1)

    lines = [call.line() for call in recorder.calls]
    assert lines[0].startswith("POST /repos/o/r/issues/1/comments")
    assert "s3cret-value" not in lines[0]
    assert lines[1] == "GIT push  https://example/o/r.git HEAD:refs/heads/x"
    assert lines[2] == "JOB check tox  o/r#1"
    assert [call.kind for call in recorder.jobs()] == ["job"]


def test_long_bodies_are_shortened() -> None:
    assert len(dry_run.summarize({"body": "x" * 1000})) == dry_run.SUMMARY_LIMIT
