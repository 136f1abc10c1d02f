"""GitHub JSON shapes for users, repositories, labels, issues, comments, pull requests and reviews.

The same shapes serve the REST API and webhook payloads; they follow GitHub's published webhook
schemas (which forbid unknown keys) and GitHub's OpenAPI description (which adds a few REST keys).
"""

from __future__ import annotations

import base64
from typing import Any

from webhook_server.tests.fake_github.state import Comment, Issue, Label, Reaction, Repo, Review, State, User

JSON = dict[str, Any]
REACTION_KEYS = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")

USER_URL_SUFFIXES = {
    "followers_url": "/followers",
    "following_url": "/following{/other_user}",
    "gists_url": "/gists{/gist_id}",
    "starred_url": "/starred{/owner}{/repo}",
    "subscriptions_url": "/subscriptions",
    "organizations_url": "/orgs",
    "repos_url": "/repos",
    "events_url": "/events{/privacy}",
    "received_events_url": "/received_events",
}

REPO_URL_SUFFIXES = {
    "forks_url": "/forks",
    "keys_url": "/keys{/key_id}",
    "collaborators_url": "/collaborators{/collaborator}",
    "teams_url": "/teams",
    "hooks_url": "/hooks",
    "issue_events_url": "/issues/events{/number}",
    "events_url": "/events",
    "assignees_url": "/assignees{/user}",
    "branches_url": "/branches{/branch}",
    "tags_url": "/tags",
    "blobs_url": "/git/blobs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "trees_url": "/git/trees{/sha}",
    "statuses_url": "/statuses/{sha}",
    "languages_url": "/languages",
    "stargazers_url": "/stargazers",
    "contributors_url": "/contributors",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "commits_url": "/commits{/sha}",
    "git_commits_url": "/git/commits{/sha}",
    "comments_url": "/comments{/number}",
    "issue_comment_url": "/issues/comments{/number}",
    "contents_url": "/contents/{+path}",
    "compare_url": "/compare/{base}...{head}",
    "merges_url": "/merges",
    "archive_url": "/{archive_format}{/ref}",
    "downloads_url": "/downloads",
    "issues_url": "/issues{/number}",
    "pulls_url": "/pulls{/number}",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "labels_url": "/labels{/name}",
    "releases_url": "/releases{/id}",
    "deployments_url": "/deployments",
}

REPO_SETTING_DEFAULTS: JSON = {
    "allow_squash_merge": True,
    "allow_merge_commit": True,
    "allow_rebase_merge": True,
    "allow_auto_merge": False,
    "delete_branch_on_merge": False,
    "allow_update_branch": False,
    "allow_forking": True,
    "use_squash_pr_title_as_default": False,
}


def node_id(kind: str, ident: int) -> str:
    """A GraphQL global id that decodes back to (kind, id)."""
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()


def decode_node_id(value: str) -> tuple[str, int] | None:
    try:
        text = base64.b64decode(value, validate=True).decode()
        size, rest = text[1:].split(":", 1)
        return rest[: int(size)], int(rest[int(size) :])
    except (ValueError, UnicodeDecodeError):
        return None


def user_json(st: State, user: User) -> JSON:
    api = f"{st.base_url}/users/{user.login}"
    data: JSON = {
        "login": user.login,
        "id": user.id,
        "node_id": node_id("User", user.id),
        "avatar_url": f"{st.base_url}/avatars/u/{user.id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{st.web_base}/{user.login}",
    }
    data.update({key: api + suffix for key, suffix in USER_URL_SUFFIXES.items()})
    data.update({"type": user.type, "site_admin": False})
    return data


def repo_api_url(st: State, repo: Repo) -> str:
    return f"{st.base_url}/repos/{repo.full_name}"


def repo_html_url(st: State, repo: Repo) -> str:
    return f"{st.web_base}/{repo.full_name}"


def repo_json(st: State, repo: Repo, *, rest: bool = False) -> JSON:
    """A repository; `rest` adds the keys only the REST API returns (full-repository)."""
    api = repo_api_url(st, repo)
    html = repo_html_url(st, repo)
    open_issues = sum(1 for issue in repo.issues.values() if issue.state == "open")
    data: JSON = {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
        "owner": user_json(st, repo.owner),
        "html_url": html,
        "description": repo.description,
        "fork": False,
        "url": api,
    }
    data.update({key: api + suffix for key, suffix in REPO_URL_SUFFIXES.items()})
    data.update(
        {
            "created_at": repo.created_at,
            "updated_at": repo.pushed_at,
            "pushed_at": repo.pushed_at,
            "git_url": f"{html}.git",
            "ssh_url": f"{html}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "homepage": None,
            "size": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": True,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": repo.archived,
            "disabled": False,
            "open_issues_count": open_issues,
            "license": None,
            "forks": 0,
            "open_issues": open_issues,
            "watchers": 0,
            "default_branch": repo.default_branch,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": [],
            "visibility": "private" if repo.private else "public",
            "custom_properties": {},
        }
    )
    data.update({key: repo.settings.get(key, default) for key, default in REPO_SETTING_DEFAULTS.items()})
    if rest:
        del data["custom_properties"]
        data.update({"network_count": 0, "subscribers_count": 0, "temp_clone_token": None})
        if repo.security_and_analysis:
            data["security_and_analysis"] = repo.security_and_analysis
    return data


def label_json(st: State, repo: Repo, label: Label) -> JSON:
    return {
        "id": label.id,
        "node_id": node_id("Label", label.id),
        "url": f"{repo_api_url(st, repo)}/labels/{label.name}",
        "name": label.name,
        "color": label.color,
        "default": label.default,
        "description": label.description,
    }


def author_association(repo: Repo, user: User) -> str:
    if user.id == repo.owner.id:
        return "OWNER"
    if user.login.casefold() in repo.collaborators:
        return "COLLABORATOR"
    return "NONE"


def reactions_json(url: str, reactions: list[Reaction]) -> JSON:
    data: JSON = {"url": url, "total_count": len(reactions)}
    data.update({key: sum(1 for reaction in reactions if reaction.content == key) for key in REACTION_KEYS})
    return data


def reaction_json(st: State, reaction: Reaction) -> JSON:
    return {
        "id": reaction.id,
        "node_id": node_id("Reaction", reaction.id),
        "user": user_json(st, reaction.user),
        "content": reaction.content,
        "created_at": reaction.created_at,
    }


def issue_json(st: State, repo: Repo, issue: Issue) -> JSON:
    """An issue; for a pull request this is its issue side (with `pull_request` links)."""
    api = f"{repo_api_url(st, repo)}/issues/{issue.number}"
    kind = "pull" if issue.pull is not None else "issues"
    data: JSON = {
        "url": api,
        "repository_url": repo_api_url(st, repo),
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"{repo_html_url(st, repo)}/{kind}/{issue.number}",
        "id": issue.id,
        "node_id": node_id("Issue", issue.id),
        "number": issue.number,
        "title": issue.title,
        "user": user_json(st, issue.user),
        "labels": [label_json(st, repo, label) for label in issue.labels],
        "state": issue.state,
        "locked": False,
        "assignee": user_json(st, issue.assignees[0]) if issue.assignees else None,
        "assignees": [user_json(st, user) for user in issue.assignees],
        "milestone": None,
        "comments": len(issue.comments),
        "created_at": issue.created_at,
        "updated_at": issue.updated_at,
        "closed_at": issue.closed_at,
        "author_association": author_association(repo, issue.user),
        "active_lock_reason": None,
        "body": issue.body,
        "reactions": reactions_json(f"{api}/reactions", issue.reactions),
        "timeline_url": f"{api}/timeline",
        "performed_via_github_app": None,
        "state_reason": issue.state_reason,
    }
    if issue.pull is not None:
        pulls = f"{repo_api_url(st, repo)}/pulls/{issue.number}"
        html = f"{repo_html_url(st, repo)}/pull/{issue.number}"
        data["draft"] = issue.pull.draft
        data["pull_request"] = {
            "url": pulls,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": issue.pull.merged_at,
        }
    return data


def comment_json(st: State, repo: Repo, issue: Issue, comment: Comment) -> JSON:
    url = f"{repo_api_url(st, repo)}/issues/comments/{comment.id}"
    kind = "pull" if issue.pull is not None else "issues"
    return {
        "url": url,
        "html_url": f"{repo_html_url(st, repo)}/{kind}/{issue.number}#issuecomment-{comment.id}",
        "issue_url": f"{repo_api_url(st, repo)}/issues/{issue.number}",
        "id": comment.id,
        "node_id": node_id("IssueComment", comment.id),
        "user": user_json(st, comment.user),
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "author_association": author_association(repo, comment.user),
        "body": comment.body,
        "reactions": reactions_json(f"{url}/reactions", comment.reactions),
        "performed_via_github_app": None,
    }


def review_json(st: State, repo: Repo, issue: Issue, review: Review) -> JSON:
    pull_url = f"{repo_api_url(st, repo)}/pulls/{issue.number}"
    html = f"{repo_html_url(st, repo)}/pull/{issue.number}#pullrequestreview-{review.id}"
    return {
        "id": review.id,
        "node_id": node_id("PullRequestReview", review.id),
        "user": user_json(st, review.user),
        "body": review.body,
        "commit_id": review.commit_id,
        "submitted_at": review.submitted_at,
        "state": review.state,
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": author_association(repo, review.user),
        "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
    }
