"""The fields intake decodes give the same ordering key, action and repository as the whole payload: for
every payload GitHub publishes, and for payloads whose read fields have unexpected types."""

import json
from pathlib import Path
from typing import Any

import pytest

from webhook_server.libs.rules.ordering import ordering_key
from webhook_server.web.intake_checks import IntakeRejectedError, parse_payload
from webhook_server.web.intake_fields import fields_of

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "webhook-examples.json"
REPO: dict[str, Any] = {"id": 1, "name": "r", "full_name": "o/r"}


def _published() -> list[tuple[str, dict[str, Any]]]:
    events = json.loads(EXAMPLES.read_text())
    return [
        (event["name"], example)
        for event in events
        for example in event["examples"]
        if isinstance(example.get("repository"), dict)
    ]


def _same_reading(event: str, payload: dict[str, Any]) -> None:
    whole = json.loads(json.dumps(payload))
    read = parse_payload(json.dumps(payload).encode())
    assert ordering_key(event, read) == ordering_key(event, whole)
    assert read.get("action") == whole.get("action")
    assert read["repository"]["full_name"] == whole["repository"]["full_name"]


def test_every_published_payload_reads_the_same() -> None:
    published = _published()
    assert len(published) > 200
    for event, payload in published:
        _same_reading(event, payload)


PR_ENTRY = {"number": 7, "base": {"repo": {"id": 1, "url": "https://api.github.com/repos/o/r"}}}


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("pull_request", {"pull_request": {"number": "7"}}),
        ("pull_request", {"pull_request": "7"}),
        ("pull_request", {"pull_request": None}),
        ("pull_request", {"pull_request": {"number": True}}),
        ("issue_comment", {"issue": "x"}),
        ("issue_comment", {"issue": {"number": 3, "pull_request": {"url": "u"}}}),
        ("issue_comment", {"issue": {"number": 3, "pull_request": None}}),
        ("check_run", {"check_run": {"head_sha": "abc", "pull_requests": [PR_ENTRY]}}),
        ("check_run", {"check_run": {"head_sha": "abc", "pull_requests": [PR_ENTRY, PR_ENTRY]}}),
        ("check_run", {"check_run": {"head_sha": "abc", "pull_requests": "none"}}),
        ("check_run", {"check_run": []}),
        ("status", {"sha": 5}),
        ("push", {"ref": {"x": 1}}),
        ("push", {"ref": "refs/heads/main", "action": ["a"]}),
        ("pull_request", {"repository": {**REPO, "owner": {"login": "o"}}, "pull_request": {"number": 2}}),
    ],
    ids=[
        "number-string",
        "pull-request-string",
        "pull-request-null",
        "number-bool",
        "issue-string",
        "comment-on-pr",
        "comment-on-issue",
        "check-run-one-pr",
        "check-run-two-prs",
        "check-run-prs-string",
        "check-run-array",
        "status-sha-number",
        "push-ref-object",
        "action-array",
        "repository-with-more-fields",
    ],
)
def test_unexpected_types_read_the_same(event: str, payload: dict[str, Any]) -> None:
    _same_reading(event, {"repository": REPO, **payload})


def test_only_the_read_fields_are_decoded() -> None:
    body = json.dumps({"repository": REPO, "sender": {"login": "x"}, "pull_request": {"number": 2, "title": "t"}})
    assert fields_of(body.encode()) == {"repository": REPO, "pull_request": {"number": 2}}


@pytest.mark.parametrize(
    "body",
    [b'{"repository": {"name": "r", "full_name": "o/r"}, "title": "\xff"}', b'{"repository": 1, "x": [1,]}'],
    ids=["invalid-utf8-in-a-skipped-string", "syntax-error-after-a-misfit"],
)
def test_refused_although_skipped(body: bytes) -> None:
    with pytest.raises(IntakeRejectedError) as raised:
        parse_payload(body)
    assert (raised.value.status_code, raised.value.detail) == (400, "Invalid JSON payload")
