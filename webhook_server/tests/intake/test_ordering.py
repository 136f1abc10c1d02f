"""Ordering keys per event (intake.md §5.1)."""

from typing import Any

import pytest

from webhook_server.libs.rules.ordering import ordering_key

REPO = {"id": 7, "name": "repo", "full_name": "org/repo"}


def _pr_entry(number: int, repo_id: int) -> dict[str, Any]:
    return {"number": number, "base": {"ref": "main", "repo": {"id": repo_id, "name": "repo"}}}


@pytest.mark.parametrize(
    ("event", "payload", "expected"),
    [
        ("pull_request", {"pull_request": {"number": 3}}, "pr:org/repo#3"),
        ("pull_request_review", {"pull_request": {"number": 4}}, "pr:org/repo#4"),
        ("pull_request_review_thread", {"pull_request": {"number": 5}}, "pr:org/repo#5"),
        ("pull_request_review_comment", {"pull_request": {"number": 6}}, "pr:org/repo#6"),
        ("issue_comment", {"issue": {"number": 8, "pull_request": {"url": "u"}}}, "pr:org/repo#8"),
        ("issue_comment", {"issue": {"number": 8}}, "repo:org/repo"),
        ("check_run", {"check_run": {"head_sha": "abc", "pull_requests": [_pr_entry(9, 7)]}}, "pr:org/repo#9"),
        (
            "check_run",
            {"check_run": {"head_sha": "abc", "pull_requests": [_pr_entry(9, 7), _pr_entry(10, 7)]}},
            "sha:org/repo@abc",
        ),
        ("check_run", {"check_run": {"head_sha": "abc", "pull_requests": [_pr_entry(9, 99)]}}, "sha:org/repo@abc"),
        ("check_run", {"check_run": {"head_sha": "abc", "pull_requests": []}}, "sha:org/repo@abc"),
        (
            "check_run",
            {
                "check_run": {
                    "head_sha": "abc",
                    "pull_requests": [{"number": 2, "base": {"repo": {"url": "https://x/repos/org/repo"}}}],
                }
            },
            "pr:org/repo#2",
        ),
        ("status", {"sha": "def"}, "sha:org/repo@def"),
        ("push", {"ref": "refs/tags/v1"}, "ref:org/repo:refs/tags/v1"),
        ("issues", {"issue": {"number": 1}}, "repo:org/repo"),
    ],
    ids=[
        "pull-request",
        "review",
        "review-thread",
        "review-comment",
        "comment-on-pr",
        "comment-on-issue",
        "check-run-one-pr",
        "check-run-two-prs",
        "check-run-fork-base",
        "check-run-no-pr",
        "check-run-base-by-url",
        "status",
        "push",
        "other-event",
    ],
)
def test_ordering_key(event: str, payload: dict[str, Any], expected: str) -> None:
    assert ordering_key(event, {**payload, "repository": REPO}) == expected
