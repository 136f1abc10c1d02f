"""Table tests for the pure intake rules: signature, validation order pieces and early exits."""

import json
from typing import Any

import pytest

from webhook_server.libs.context.early_exits import early_exit
from webhook_server.utils.signature import sign_body, signature_matches
from webhook_server.web.intake_checks import (
    IntakeRejectedError,
    check_declared_length,
    check_signature,
    nested_deeper_than,
    parse_client_ip,
    parse_payload,
    require_event,
)

GITHUB_VECTOR_SECRET = "It's a Secret to Everybody"
GITHUB_VECTOR_BODY = b"Hello, World!"
GITHUB_VECTOR_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_github_published_signature_vector() -> None:
    assert sign_body(GITHUB_VECTOR_SECRET, GITHUB_VECTOR_BODY) == GITHUB_VECTOR_SIGNATURE
    assert signature_matches(GITHUB_VECTOR_SECRET, GITHUB_VECTOR_BODY, GITHUB_VECTOR_SIGNATURE)


@pytest.mark.parametrize(
    ("secret", "header", "expected"),
    [
        (None, None, None),
        (GITHUB_VECTOR_SECRET, GITHUB_VECTOR_SIGNATURE, None),
        (GITHUB_VECTOR_SECRET, None, (403, "x-hub-signature-256 header is missing!")),
        (GITHUB_VECTOR_SECRET, "", (403, "x-hub-signature-256 header is missing!")),
        (GITHUB_VECTOR_SECRET, "sha1=abc", (403, "Request signatures didn't match!")),
        (GITHUB_VECTOR_SECRET, GITHUB_VECTOR_SIGNATURE.upper(), (403, "Request signatures didn't match!")),
        ("another secret", GITHUB_VECTOR_SIGNATURE, (403, "Request signatures didn't match!")),
        (GITHUB_VECTOR_SECRET, "sha256=ünïcode", (403, "Request signatures didn't match!")),
    ],
    ids=["no-secret", "valid", "missing", "empty", "sha1-only", "uppercase-hex", "wrong-secret", "non-ascii"],
)
def test_check_signature(secret: str | None, header: str | None, expected: tuple[int, str] | None) -> None:
    if expected is None:
        check_signature(secret, GITHUB_VECTOR_BODY, header)
        return
    with pytest.raises(IntakeRejectedError) as raised:
        check_signature(secret, GITHUB_VECTOR_BODY, header)
    assert (raised.value.status_code, raised.value.detail) == expected


REPO = {"name": "repo", "full_name": "org/repo"}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"not json", "Invalid JSON payload"),
        (b"\xff\xfe", "Invalid JSON payload"),
        (b"[1, 2]", "Invalid JSON payload"),
        (b'"repository"', "Invalid JSON payload"),
        (b"{}", "Missing repository in payload"),
        (json.dumps({"repository": "org/repo"}).encode(), "Missing repository in payload"),
        (json.dumps({"repository": {"full_name": "org/repo"}}).encode(), "Missing repository.name in payload"),
        (json.dumps({"repository": {"name": "", "full_name": "o/r"}}).encode(), "Missing repository.name in payload"),
        (json.dumps({"repository": {"name": "repo"}}).encode(), "Missing repository.full_name in payload"),
        (json.dumps({"repository": {"name": "r", "full_name": 5}}).encode(), "Missing repository.full_name in payload"),
    ],
    ids=[
        "not-json",
        "not-utf8",
        "array",
        "string",
        "no-repository",
        "repository-string",
        "no-name",
        "empty-name",
        "no-full-name",
        "full-name-not-string",
    ],
)
def test_parse_payload_rejections(body: bytes, detail: str) -> None:
    with pytest.raises(IntakeRejectedError) as raised:
        parse_payload(body)
    assert (raised.value.status_code, raised.value.detail) == (400, detail)


def test_parse_payload_accepts_object_with_repository() -> None:
    assert parse_payload(json.dumps({"repository": REPO, "action": "opened"}).encode())["action"] == "opened"


@pytest.mark.parametrize(
    ("host", "detail"),
    [
        (None, "Could not determine client IP address"),
        ("", "Could not determine client IP address"),
        ("not-an-ip", "Could not parse client IP address"),
    ],
    ids=["none", "empty", "garbage"],
)
def test_client_ip_rejections(host: str | None, detail: str) -> None:
    with pytest.raises(IntakeRejectedError) as raised:
        parse_client_ip(host)
    assert (raised.value.status_code, raised.value.detail) == (400, detail)


def test_client_ip_parses_v4_and_v6() -> None:
    assert str(parse_client_ip("192.30.252.1")) == "192.30.252.1"
    assert str(parse_client_ip("::1")) == "::1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("10", None), (str(26_214_400), None), (str(26_214_401), 413), ("abc", 400)],
    ids=["absent", "small", "exactly-cap", "over-cap", "garbage"],
)
def test_declared_length(value: str | None, expected: int | None) -> None:
    if expected is None:
        check_declared_length(value)
        return
    with pytest.raises(IntakeRejectedError) as raised:
        check_declared_length(value)
    assert raised.value.status_code == expected


def test_event_header_required() -> None:
    assert require_event("push") == "push"
    with pytest.raises(IntakeRejectedError) as raised:
        require_event("")
    assert raised.value.detail == "Missing X-GitHub-Event header"


def _comment(body: str, *, on_pr: bool = True, action: str = "created") -> dict[str, Any]:
    issue: dict[str, Any] = {"number": 1}
    if on_pr:
        issue["pull_request"] = {"url": "x"}
    return {"action": action, "issue": issue, "comment": {"body": body}}


@pytest.mark.parametrize(
    ("event", "payload", "expected"),
    [
        ("ping", {}, "skipped:ping"),
        ("push", {"ref": "refs/tags/v1", "deleted": True}, "skipped:push-deleted"),
        ("push", {"ref": "refs/heads/main"}, "skipped:push-branch"),
        ("push", {"ref": "refs/tags/v1.0"}, None),
        ("status", {"state": "pending"}, "skipped:status-pending"),
        ("status", {"state": "success"}, None),
        ("check_run", {"action": "created", "check_run": {"name": "tox"}}, "skipped:check-run-not-completed"),
        (
            "check_run",
            {"action": "completed", "check_run": {"name": "can-be-merged", "conclusion": "failure"}},
            "skipped:can-be-merged-not-success",
        ),
        ("check_run", {"action": "completed", "check_run": {"name": "can-be-merged", "conclusion": "success"}}, None),
        ("check_run", {"action": "completed", "check_run": {"name": "tox", "conclusion": "failure"}}, None),
        ("pull_request_review_thread", {"action": "resolved"}, None),
        ("pull_request_review_thread", {"action": "unresolved"}, None),
        ("pull_request_review_thread", {"action": "created"}, "skipped:review-thread-action"),
        ("pull_request_review", {"action": "submitted"}, None),
        ("pull_request_review", {"action": "dismissed"}, "skipped:review-action"),
        ("issue_comment", _comment("/lgtm", action="edited"), "skipped:comment-action"),
        ("issue_comment", _comment("/lgtm", on_pr=False), "skipped:not-a-pr"),
        ("issue_comment", _comment("<!-- github-webhook-server:welcome -->\n/retest"), "skipped:welcome-comment"),
        (
            "issue_comment",
            _comment("Report bugs in [Issues](https://github.com/myakove/github-webhook-server/issues)\n/x"),
            "skipped:welcome-comment",
        ),
        ("issue_comment", _comment("looks good to me"), "skipped:no-command"),
        ("issue_comment", _comment("thanks\n /lgtm"), "skipped:no-command"),
        ("issue_comment", _comment("   /lgtm"), None),
        ("issue_comment", _comment("thanks\n/lgtm"), None),
        ("pull_request", {"action": "opened"}, None),
        ("pull_request", {"action": "assigned"}, "skipped:pr-action"),
        ("issues", {"action": "opened"}, "skipped:event-not-handled"),
        ("workflow_run", {"action": "completed"}, "skipped:event-not-handled"),
    ],
    ids=[
        "ping",
        "push-deleted",
        "push-branch",
        "push-tag",
        "status-pending",
        "status-success",
        "check-run-created",
        "can-be-merged-failure",
        "can-be-merged-success",
        "other-check-completed",
        "thread-resolved",
        "thread-unresolved",
        "thread-other",
        "review-submitted",
        "review-dismissed",
        "comment-edited",
        "comment-on-issue",
        "welcome-comment",
        "reference-welcome-comment",
        "no-command",
        "indented-second-line",
        "leading-space-first-line",
        "second-line-command",
        "pr-opened",
        "pr-assigned",
        "issues-event",
        "workflow-run",
    ],
)
def test_early_exit_table(event: str, payload: dict[str, Any], expected: str | None) -> None:
    assert early_exit(event, payload) == expected


@pytest.mark.parametrize(
    ("body", "limit", "expected"),
    [
        (b'{"a": [1, {"b": 2}]}', 3, False),
        (b'{"a": [1, {"b": 2}]}', 2, True),
        (b"[" * 5 + b"]" * 5, 5, False),
        (b"[" * 6 + b"]" * 6, 5, True),
        (b'{"title": "' + b"[{" * 50 + b'"}', 5, False),  # many openings, all inside a string
        (b'{"title": "\\"[[[["' + b', "x": [[[[[[1]]]]]]}', 5, True),  # an escaped quote does not end the string
        (b"[[], [], [], [], [], [], []]", 3, False),  # many openings, shallow
        (b"[{" * 50, 99, True),  # unbalanced
    ],
)
def test_nested_deeper_than(body: bytes, limit: int, expected: bool) -> None:
    assert nested_deeper_than(body, limit) is expected
