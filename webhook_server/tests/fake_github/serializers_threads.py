"""GitHub JSON shape of pull-request review comments (the comments of review threads)."""

from __future__ import annotations

from typing import Any

from webhook_server.tests.fake_github.serializers import (
    author_association,
    node_id,
    reactions_json,
    repo_api_url,
    repo_html_url,
    user_json,
)
from webhook_server.tests.fake_github.state import Issue, Repo, ReviewComment, ReviewThread, State

JSON = dict[str, Any]


def review_comment_url(st: State, repo: Repo, comment: ReviewComment) -> str:
    return f"{repo_html_url(st, repo)}/pull/comments/{comment.id}"


def review_comment_json(st: State, repo: Repo, issue: Issue, thread: ReviewThread, comment: ReviewComment) -> JSON:
    url = f"{repo_api_url(st, repo)}/pulls/comments/{comment.id}"
    html = f"{repo_html_url(st, repo)}/pull/{issue.number}#discussion_r{comment.id}"
    pull_url = f"{repo_api_url(st, repo)}/pulls/{issue.number}"
    return {
        "url": url,
        "pull_request_review_id": thread.id,
        "id": comment.id,
        "node_id": node_id("PullRequestReviewComment", comment.id),
        "diff_hunk": f"@@ -{comment.line or 1} +{comment.line or 1} @@",
        "path": comment.path,
        "position": None if thread.is_outdated else comment.line,
        "original_position": comment.line or 1,
        "commit_id": comment.commit_id,
        "original_commit_id": comment.commit_id,
        "user": user_json(st, comment.user),
        "body": comment.body,
        "created_at": comment.created_at,
        "updated_at": comment.created_at,
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": author_association(repo, comment.user),
        "_links": {"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": pull_url}},
        "reactions": reactions_json(f"{url}/reactions", []),
        "start_line": None,
        "original_start_line": None,
        "start_side": None,
        "line": None if thread.is_outdated else comment.line,
        "original_line": comment.line or 1,
        "side": "RIGHT",
        "subject_type": "line",
    }
