"""GitHub JSON shapes for pull requests, with counts and mergeability computed from git."""

from __future__ import annotations

from typing import Any

from webhook_server.tests.fake_github.gitrepo import FileChange
from webhook_server.tests.fake_github.serializers import (
    author_association,
    label_json,
    node_id,
    repo_api_url,
    repo_html_url,
    repo_json,
    user_json,
)
from webhook_server.tests.fake_github.state import Issue, PullRequest, Repo, State

JSON = dict[str, Any]


def pull_of(issue: Issue) -> PullRequest:
    assert issue.pull is not None, f"#{issue.number} is not a pull request"
    return issue.pull


def base_tip(repo: Repo, pull: PullRequest) -> str:
    """The commit the PR is compared against: the base branch tip while open, frozen once closed."""
    return repo.git.rev(f"refs/heads/{pull.base_ref}") or pull.base_sha


def changed_files(repo: Repo, issue: Issue) -> list[FileChange]:
    pull = pull_of(issue)
    base = base_tip(repo, pull) if issue.state == "open" else pull.base_sha
    merge_base = repo.git.merge_base(base, pull.head_sha) or base
    return repo.git.diff(merge_base, pull.head_sha)


def mergeability(repo: Repo, issue: Issue) -> tuple[bool | None, str]:
    """(mergeable, mergeable_state): null once closed, else a test-set value if any, else computed with git."""
    pull = pull_of(issue)
    override = pull.mergeable_override
    if issue.state != "open":  # like GitHub: a closed or merged PR keeps `mergeable` null
        return None, "unknown"
    if override is not None:
        if override.unknown():
            return None, "unknown"
        return override.value, override.state
    base = base_tip(repo, pull)
    if repo.git.merge_tree(base, pull.head_sha) is None:
        return False, "dirty"
    state = "draft" if pull.draft else "clean" if repo.git.is_ancestor(base, pull.head_sha) else "behind"
    return True, state


def pull_links(st: State, repo: Repo, issue: Issue) -> JSON:
    api = f"{repo_api_url(st, repo)}/pulls/{issue.number}"
    issue_api = f"{repo_api_url(st, repo)}/issues/{issue.number}"
    return {
        "self": {"href": api},
        "html": {"href": f"{repo_html_url(st, repo)}/pull/{issue.number}"},
        "issue": {"href": issue_api},
        "comments": {"href": f"{issue_api}/comments"},
        "review_comments": {"href": f"{api}/comments"},
        "review_comment": {"href": f"{repo_api_url(st, repo)}/pulls/comments{{/number}}"},
        "commits": {"href": f"{api}/commits"},
        "statuses": {"href": f"{repo_api_url(st, repo)}/statuses/{pull_of(issue).head_sha}"},
    }


def branch_ref_json(st: State, repo: Repo, ref: str, sha: str) -> JSON:
    return {
        "label": f"{repo.owner.login}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user_json(st, repo.owner),
        "repo": repo_json(st, repo),
    }


def auto_merge_json(st: State, pull: PullRequest) -> JSON | None:
    if pull.auto_merge is None:
        return None
    return {
        "enabled_by": user_json(st, pull.auto_merge.enabled_by),
        "merge_method": pull.auto_merge.merge_method,
        "commit_title": pull.auto_merge.commit_title,
        "commit_message": pull.auto_merge.commit_message,
    }


def simple_pull_json(st: State, repo: Repo, issue: Issue) -> JSON:
    """The pull request as listed (`pull-request-simple`, webhook `simple-pull-request`)."""
    pull = pull_of(issue)
    api = f"{repo_api_url(st, repo)}/pulls/{issue.number}"
    html = f"{repo_html_url(st, repo)}/pull/{issue.number}"
    issue_api = f"{repo_api_url(st, repo)}/issues/{issue.number}"
    base_sha = base_tip(repo, pull) if issue.state == "open" else pull.base_sha
    return {
        "url": api,
        "id": issue.pull_id,
        "node_id": node_id("PullRequest", issue.pull_id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue_api,
        "number": issue.number,
        "state": issue.state,
        "locked": False,
        "title": issue.title,
        "user": user_json(st, issue.user),
        "body": issue.body,
        "created_at": issue.created_at,
        "updated_at": issue.updated_at,
        "closed_at": issue.closed_at,
        "merged_at": pull.merged_at,
        "merge_commit_sha": pull.merge_commit_sha,
        "assignee": user_json(st, issue.assignees[0]) if issue.assignees else None,
        "assignees": [user_json(st, user) for user in issue.assignees],
        "requested_reviewers": [user_json(st, user) for user in pull.requested_reviewers],
        "requested_teams": [],
        "labels": [label_json(st, repo, label) for label in issue.labels],
        "milestone": None,
        "draft": pull.draft,
        "commits_url": f"{api}/commits",
        "review_comments_url": f"{api}/comments",
        "review_comment_url": f"{repo_api_url(st, repo)}/pulls/comments{{/number}}",
        "comments_url": f"{issue_api}/comments",
        "statuses_url": f"{repo_api_url(st, repo)}/statuses/{pull.head_sha}",
        "head": branch_ref_json(st, repo, pull.head_ref, pull.head_sha),
        "base": branch_ref_json(st, repo, pull.base_ref, base_sha),
        "_links": pull_links(st, repo, issue),
        "author_association": author_association(repo, issue.user),
        "auto_merge": auto_merge_json(st, pull),
        "active_lock_reason": None,
    }


def pull_json(st: State, repo: Repo, issue: Issue) -> JSON:
    """The full pull request (`GET /pulls/{n}`, webhook `pull-request`)."""
    pull = pull_of(issue)
    data = simple_pull_json(st, repo, issue)
    files = changed_files(repo, issue)
    base = base_tip(repo, pull) if issue.state == "open" else pull.base_sha
    merge_base = repo.git.merge_base(base, pull.head_sha) or base
    mergeable, state = mergeability(repo, issue)
    data.update(
        {
            "merged": pull.merged,
            "mergeable": mergeable,
            "rebaseable": mergeable,
            "mergeable_state": state,
            "merged_by": user_json(st, pull.merged_by) if pull.merged_by else None,
            "comments": len(issue.comments),
            "review_comments": sum(len(thread.comments) for thread in pull.threads),
            "maintainer_can_modify": False,
            "commits": len(repo.git.commits_between(merge_base, pull.head_sha)),
            "additions": sum(change.additions for change in files),
            "deletions": sum(change.deletions for change in files),
            "changed_files": len(files),
        }
    )
    return data
