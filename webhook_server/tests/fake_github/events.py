"""Builds GitHub-shaped webhook payloads for changes in the fake and hands them to the emitter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webhook_server.tests.fake_github.gitrepo import ZERO_SHA, CommitInfo
from webhook_server.tests.fake_github.serializers import (
    comment_json,
    issue_json,
    label_json,
    node_id,
    repo_html_url,
    repo_json,
    review_json,
    user_json,
)
from webhook_server.tests.fake_github.serializers_misc import (
    check_run_json,
    commit_json,
    hook_json,
    short_branch_json,
    status_json,
)
from webhook_server.tests.fake_github.serializers_pulls import pull_json, simple_pull_json
from webhook_server.tests.fake_github.serializers_threads import review_comment_json
from webhook_server.tests.fake_github.state import (
    CheckRun,
    Comment,
    CommitStatus,
    Hook,
    Issue,
    Label,
    Repo,
    Review,
    ReviewThread,
    User,
)

if TYPE_CHECKING:
    from webhook_server.tests.fake_github.backend import Backend

JSON = dict[str, Any]


def _organization_json(backend: Backend, org: User) -> JSON:
    api = f"{backend.state.base_url}/orgs/{org.login}"
    return {
        "login": org.login,
        "id": org.id,
        "node_id": node_id("Organization", org.id),
        "url": api,
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events",
        "hooks_url": f"{api}/hooks",
        "issues_url": f"{api}/issues",
        "members_url": f"{api}/members{{/member}}",
        "public_members_url": f"{api}/public_members{{/member}}",
        "avatar_url": f"{backend.state.base_url}/avatars/u/{org.id}?v=4",
        "description": None,
    }


def send(backend: Backend, repo: Repo, event: str, sender: User, fields: JSON) -> None:
    """Complete `fields` with repository, sender, installation and organisation, then emit."""
    if not backend.wants(repo, event):
        return
    payload: JSON = dict(fields)
    payload["repository"] = repo_json(backend.state, repo)
    payload["sender"] = user_json(backend.state, sender)
    installation = backend.installation_lite(repo)
    if installation is not None:
        payload["installation"] = installation
    if repo.owner.type == "Organization":
        payload["organization"] = _organization_json(backend, repo.owner)
    backend.emit(repo, event, payload)


def pull_request_event(backend: Backend, repo: Repo, issue: Issue, action: str, sender: User, **extra: Any) -> None:
    if not backend.wants(repo, "pull_request"):
        return
    fields: JSON = {"action": action, "number": issue.number}
    fields.update(extra)
    fields["pull_request"] = pull_json(backend.state, repo, issue)
    send(backend, repo, "pull_request", sender, fields)


def issues_event(backend: Backend, repo: Repo, issue: Issue, action: str, sender: User, **extra: Any) -> None:
    fields: JSON = {"action": action, "issue": issue_json(backend.state, repo, issue)}
    fields.update(extra)
    send(backend, repo, "issues", sender, fields)


def label_changed(backend: Backend, repo: Repo, issue: Issue, label: Label, *, added: bool, sender: User) -> None:
    action = "labeled" if added else "unlabeled"
    label_data = label_json(backend.state, repo, label)
    if issue.pull is not None:
        pull_request_event(backend, repo, issue, action, sender, label=label_data)
    else:
        issues_event(backend, repo, issue, action, sender, label=label_data)


def issue_comment_event(
    backend: Backend, repo: Repo, issue: Issue, comment: Comment, action: str, *, sender: User, **extra: Any
) -> None:
    fields: JSON = {"action": action}
    fields.update(extra)
    fields["issue"] = issue_json(backend.state, repo, issue)
    fields["comment"] = comment_json(backend.state, repo, issue, comment)
    send(backend, repo, "issue_comment", sender, fields)


def review_event(backend: Backend, repo: Repo, issue: Issue, review: Review, action: str, *, sender: User) -> None:
    review_data = review_json(backend.state, repo, issue, review)
    review_data["state"] = review.state.lower()
    fields = {"action": action, "review": review_data, "pull_request": simple_pull_json(backend.state, repo, issue)}
    send(backend, repo, "pull_request_review", sender, fields)


def review_thread_event(
    backend: Backend, repo: Repo, issue: Issue, thread: ReviewThread, action: str, *, sender: User
) -> None:
    fields = {
        "action": action,
        "thread": {
            "node_id": node_id("PullRequestReviewThread", thread.id),
            "comments": [review_comment_json(backend.state, repo, issue, thread, c) for c in thread.comments],
        },
        "pull_request": simple_pull_json(backend.state, repo, issue),
    }
    send(backend, repo, "pull_request_review_thread", sender, fields)


def check_run_event(backend: Backend, repo: Repo, run: CheckRun, action: str, pulls: list[JSON]) -> None:
    fields = {"action": action, "check_run": check_run_json(backend.state, repo, run, pulls)}
    send(backend, repo, "check_run", backend.state.app.bot, fields)


def status_event(backend: Backend, repo: Repo, status: CommitStatus, info: CommitInfo) -> None:
    st = backend.state
    data = status_json(st, repo, status)
    branches = [
        short_branch_json(st, repo, name, sha)
        for name, sha in repo.git.branches().items()
        if name in repo.git.branches_containing(status.sha)
    ][:10]
    commit = commit_json(st, repo, info)
    del commit["commit"]["verification"]["verified_at"]  # the webhook schema has no such key
    fields: JSON = {
        "id": status.id,
        "sha": status.sha,
        "name": repo.full_name,
        "target_url": status.target_url,
        "avatar_url": data["avatar_url"],
        "context": status.context,
        "description": status.description,
        "state": status.state,
        "commit": commit,
        "branches": branches,
        "created_at": status.created_at,
        "updated_at": status.updated_at,
    }
    send(backend, repo, "status", status.creator, fields)


def _push_commit(backend: Backend, repo: Repo, info: CommitInfo) -> JSON:
    changes = repo.git.diff(info.parents[0], info.sha) if info.parents else []
    author = {"name": info.author.name, "email": info.author.email}
    committer = {"name": info.committer.name, "email": info.committer.email}
    return {
        "id": info.sha,
        "tree_id": info.tree,
        "distinct": True,
        "message": info.message,
        "timestamp": info.committer_date,
        "url": f"{repo_html_url(backend.state, repo)}/commit/{info.sha}",
        "author": author,
        "committer": committer,
        "added": [c.filename for c in changes if c.status == "added"],
        "removed": [c.filename for c in changes if c.status == "removed"],
        "modified": [c.filename for c in changes if c.status not in ("added", "removed")],
    }


def push_event(backend: Backend, repo: Repo, ref: str, before: str, after: str, *, pusher: User) -> None:
    if not backend.wants(repo, "push"):
        return
    deleted = after == ZERO_SHA
    created = before == ZERO_SHA
    commits: list[CommitInfo] = []
    if not deleted:
        revs = [after] if created else [after, f"^{before}"]
        commits = list(reversed(repo.git.log(*revs, "-20")))
    head = None if deleted else _push_commit(backend, repo, repo.git.commit_info(after))
    html = repo_html_url(backend.state, repo)
    fields: JSON = {
        "ref": ref,
        "before": before,
        "after": after,
        "created": created,
        "deleted": deleted,
        "forced": not created and not deleted and not repo.git.is_ancestor(before, after),
        "base_ref": None,
        "compare": f"{html}/compare/{before[:12]}...{after[:12]}",
        "commits": [_push_commit(backend, repo, info) for info in commits],
        "head_commit": head,
        "pusher": {"name": pusher.login, "email": pusher.email or pusher.noreply_email},
    }
    send(backend, repo, "push", pusher, fields)


def ping_event(backend: Backend, repo: Repo, hook: Hook, sender: User) -> None:
    fields = {
        "zen": "Keep it logically awesome.",
        "hook_id": hook.id,
        "hook": hook_json(backend.state, repo, hook),
    }
    payload: JSON = dict(fields)
    payload["repository"] = repo_json(backend.state, repo)
    payload["sender"] = user_json(backend.state, sender)
    backend.emitter.enqueue(hook, "ping", payload, repo.full_name, repo.id)
