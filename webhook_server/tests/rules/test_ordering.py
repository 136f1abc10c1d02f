"""Ordering keys: one row per event kind of `intake.md` §5.1."""

from typing import Any

import pytest

from webhook_server.libs.rules.ordering import ordering_key

REPO = {"id": 42, "full_name": "org/repo", "name": "repo"}


def _pr_entry(number: int, repo_id: int, url: str = "") -> dict[str, Any]:
    return {"number": number, "base": {"ref": "main", "repo": {"id": repo_id, "url": url, "name": "repo"}}}


@pytest.mark.parametrize(
    ("event", "payload", "expected"),
    [
        ("pull_request", {"pull_request": {"number": 7}}, "pr:org/repo#7"),
        ("pull_request_review", {"pull_request": {"number": 8}}, "pr:org/repo#8"),
        ("pull_request_review_thread", {"pull_request": {"number": 9}}, "pr:org/repo#9"),
        ("pull_request_review_comment", {"pull_request": {"number": 10}}, "pr:org/repo#10"),
        ("issue_comment", {"issue": {"number": 11, "pull_request": {"url": "u"}}}, "pr:org/repo#11"),
        ("issue_comment", {"issue": {"number": 12}}, "repo:org/repo"),
        ("check_run", {"check_run": {"head_sha": "abc", "pull_requests": [_pr_entry(3, 42)]}}, "pr:org/repo#3"),
        (
            "check_run",
            {"check_run": {"head_sha": "abc", "pull_requests": [_pr_entry(3, 42), _pr_entry(4, 42)]}},
            "sha:org/repo@abc",
        ),
        (
            "check_run",
            {"check_run": {"head_sha": "abc", "pull_requests": [_pr_entry(3, 99), _pr_entry(5, 42)]}},
            "pr:org/repo#5",
        ),
        ("check_run", {"check_run": {"head_sha": "abc", "pull_requests": []}}, "sha:org/repo@abc"),
        (
            "check_run",
            {
                "check_run": {
                    "head_sha": "abc",
                    "pull_requests": [
                        {"number": 6, "base": {"repo": {"url": "https://api.github.com/repos/org/repo"}}},
                    ],
                }
            },
            "pr:org/repo#6",
        ),
        ("status", {"sha": "def"}, "sha:org/repo@def"),
        ("push", {"ref": "refs/heads/main"}, "ref:org/repo:refs/heads/main"),
        ("push", {"ref": "refs/tags/v1"}, "ref:org/repo:refs/tags/v1"),
        ("ping", {}, "repo:org/repo"),
        ("release", {}, "repo:org/repo"),
    ],
    ids=[
        "pull_request",
        "review",
        "review-thread",
        "review-comment",
        "comment-on-pr",
        "comment-on-issue",
        "check-run-one-pr",
        "check-run-two-prs",
        "check-run-fork-pr-ignored",
        "check-run-no-pr",
        "check-run-pr-matched-by-url",
        "status",
        "push-branch",
        "push-tag",
        "ping",
        "other",
    ],
)
def test_ordering_key(event: str, payload: dict[str, Any], expected: str) -> None:
    assert ordering_key(event, {"repository": REPO, **payload}) == expected
