"""`malformed_field`: the first payload field a handler reads that has the wrong JSON type."""

import copy
from typing import Any

import pytest

from webhook_server.libs.rules.payload_shape import malformed_field

PR = {"action": "opened", "pull_request": {"number": 5}}
COMMENT = {"action": "created", "issue": {"number": 3}, "comment": {"id": 9, "body": "/help", "user": {"login": "a"}}}
CHECK_RUN = {
    "action": "completed",
    "check_run": {"name": "tox", "head_sha": "a" * 40, "conclusion": "success", "pull_requests": [{"number": 1}]},
}


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `base` with `path` (dotted) set to `value`."""
    payload = copy.deepcopy(base)
    *parents, last = path.split(".")
    target = payload
    for key in parents:
        target = target[key]
    target[last] = value
    return payload


CASES = [
    ("pr-valid", "pull_request", PR, None),
    ("pr-null", "pull_request", _with(PR, "pull_request", None), "pull_request: expected an object, got null"),
    ("pr-missing", "pull_request", {"action": "opened"}, "pull_request: missing"),
    (
        "pr-number-string",
        "pull_request",
        _with(PR, "pull_request.number", "abc"),
        "pull_request.number: expected an integer, got string",
    ),
    (
        "pr-number-bool",
        "pull_request",
        _with(PR, "pull_request.number", True),
        "pull_request.number: expected an integer, got boolean",
    ),
    ("pr-changes-list", "pull_request", _with(PR, "changes", []), "changes: expected an object, got array"),
    (
        "labeled-without-label",
        "pull_request",
        _with(PR, "action", "labeled"),
        "label: missing",
    ),
    ("action-list", "pull_request", _with(PR, "action", [1]), "action: expected a string, got array"),
    ("sender-string", "issues", {"sender": "me"}, "sender: expected an object, got string"),
    ("unhandled-event-anything", "issues", {"issue": None}, None),
    ("comment-valid", "issue_comment", COMMENT, None),
    ("comment-body-null", "issue_comment", _with(COMMENT, "comment.body", None), None),
    (
        "comment-id-float",
        "issue_comment",
        _with(COMMENT, "comment.id", 1.5),
        "comment.id: expected an integer, got number",
    ),
    (
        "comment-user-login-int",
        "issue_comment",
        _with(COMMENT, "comment.user.login", 7),
        "comment.user.login: expected a string, got number",
    ),
    ("check-run-valid", "check_run", CHECK_RUN, None),
    ("check-run-null", "check_run", _with(CHECK_RUN, "check_run", None), "check_run: expected an object, got null"),
    (
        "check-run-pr-entry-number",
        "check_run",
        _with(CHECK_RUN, "check_run.pull_requests", [{"number": 1}, {"number": "2"}]),
        "check_run.pull_requests[1].number: expected an integer, got string",
    ),
    (
        "check-run-pr-entry-not-object",
        "check_run",
        _with(CHECK_RUN, "check_run.pull_requests", [3]),
        "check_run.pull_requests[0]: expected an object, got number",
    ),
    ("status-sha-missing", "status", {"state": "success"}, "sha: missing"),
    ("push-ref-int", "push", {"ref": 1, "after": "x"}, "ref: expected a string, got number"),
    ("push-valid", "push", {"ref": "refs/tags/v1", "after": "x"}, None),
]


@pytest.mark.parametrize(
    ("event", "payload", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_malformed_field(event: str, payload: dict[str, Any], expected: str | None) -> None:
    assert malformed_field(event, payload) == expected
