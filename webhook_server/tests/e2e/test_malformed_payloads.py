"""Signed deliveries with the right shape but wrong field types end as `skipped:malformed`, naming the
field, without a traceback and without any GitHub call."""

import uuid
from typing import Any

import pytest

from webhook_server.tests.e2e.harness import RunningServer

MANAGED = {"name": "managed", "full_name": "org/managed"}

CASES = [
    (
        "pull-request-null",
        "pull_request",
        {"action": "opened", "pull_request": None},
        "pull_request: expected an object, got null",
    ),
    (
        "check-run-null",
        "check_run",
        {"action": "completed", "check_run": None},
        "check_run: expected an object, got null",
    ),
    (
        "pr-number-not-a-number",
        "pull_request",
        {"action": "synchronize", "pull_request": {"number": "abc"}},
        "pull_request.number: expected an integer, got string",
    ),
    (
        "comment-issue-list",
        "issue_comment",
        {"action": "created", "issue": [], "comment": {"id": 1, "body": "/help", "user": {"login": "a"}}},
        "issue: expected an object, got array",
    ),
    ("push-ref-object", "push", {"ref": {}, "after": "x"}, "ref: expected a string, got object"),
    (
        "sender-string",
        "status",
        {"sha": "a" * 40, "state": "success", "sender": "x"},
        "sender: expected an object, got string",
    ),
]


@pytest.mark.parametrize(("event", "payload", "problem"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
async def test_malformed_delivery_is_skipped_naming_the_field(
    offline_server: RunningServer, event: str, payload: dict[str, Any], problem: str
) -> None:
    delivery = str(uuid.uuid4())
    response = await offline_server.post(event, {**payload, "repository": MANAGED}, delivery)
    assert response.status_code == 200
    row = await offline_server.wait_finished(delivery)
    assert (row.status, row.outcome, row.error) == ("succeeded", "skipped:malformed", None)
    summary = offline_server.summary_of(delivery)
    assert summary["error"] is None
    routing = summary["workflow_steps"]["webhook_routing"]
    assert (routing["status"], routing["skipped"], routing["malformed"]) == ("completed", "skipped:malformed", problem)
