"""GitHub JSON shapes for commits, branches, protection, checks, statuses, hooks, apps and contents."""

from __future__ import annotations

import base64
import re
from typing import Any

from webhook_server.tests.fake_github.gitrepo import CommitInfo, FileChange, TreeEntry
from webhook_server.tests.fake_github.serializers import (
    node_id,
    repo_api_url,
    repo_html_url,
    user_json,
)
from webhook_server.tests.fake_github.state import (
    WEB_FLOW_ID,
    CheckRun,
    CommitStatus,
    Hook,
    Installation,
    PackageVersion,
    Repo,
    State,
    User,
)

JSON = dict[str, Any]
NOREPLY_RE = re.compile(r"^(\d+)\+([^@]+)@users\.noreply\.github\.com$", re.IGNORECASE)
APP_PERMISSIONS = {
    "checks": "write",
    "contents": "write",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
    "statuses": "write",
    "repository_hooks": "write",
    "administration": "write",
    "packages": "write",
}
APP_EVENTS = ["check_run", "issue_comment", "pull_request", "pull_request_review", "push", "status"]


def user_for_email(st: State, email: str) -> User | None:
    """The account GitHub links to a commit email (noreply form, registered email, or web-flow)."""
    match = NOREPLY_RE.match(email)
    if match:
        return st.user(match.group(2))
    if email.casefold() == "noreply@github.com":
        return next((user for user in st.users.values() if user.id == WEB_FLOW_ID), None)
    return next((user for user in st.users.values() if user.email and user.email.casefold() == email.casefold()), None)


def commit_json(st: State, repo: Repo, info: CommitInfo, files: list[FileChange] | None = None) -> JSON:
    api = repo_api_url(st, repo)
    html = repo_html_url(st, repo)
    author = user_for_email(st, info.author.email)
    committer = user_for_email(st, info.committer.email)
    data: JSON = {
        "sha": info.sha,
        "node_id": node_id("Commit", int(info.sha[:12], 16)),
        "commit": {
            "author": {"name": info.author.name, "email": info.author.email, "date": info.author_date},
            "committer": {"name": info.committer.name, "email": info.committer.email, "date": info.committer_date},
            "message": info.message,
            "tree": {"sha": info.tree, "url": f"{api}/git/trees/{info.tree}"},
            "url": f"{api}/git/commits/{info.sha}",
            "comment_count": 0,
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        },
        "url": f"{api}/commits/{info.sha}",
        "html_url": f"{html}/commit/{info.sha}",
        "comments_url": f"{api}/commits/{info.sha}/comments",
        "author": user_json(st, author) if author else None,
        "committer": user_json(st, committer) if committer else None,
        "parents": [
            {"sha": sha, "url": f"{api}/commits/{sha}", "html_url": f"{html}/commit/{sha}"} for sha in info.parents
        ],
    }
    if files is not None:
        additions = sum(change.additions for change in files)
        deletions = sum(change.deletions for change in files)
        data["stats"] = {"total": additions + deletions, "additions": additions, "deletions": deletions}
        data["files"] = [diff_entry_json(st, repo, info.sha, change) for change in files]
    return data


def diff_entry_json(st: State, repo: Repo, ref: str, change: FileChange) -> JSON:
    api = repo_api_url(st, repo)
    data: JSON = {
        "sha": change.blob_sha,
        "filename": change.filename,
        "status": change.status,
        "additions": change.additions,
        "deletions": change.deletions,
        "changes": change.additions + change.deletions,
        "blob_url": f"{repo_html_url(st, repo)}/blob/{ref}/{change.filename}",
        "raw_url": f"{repo_html_url(st, repo)}/raw/{ref}/{change.filename}",
        "contents_url": f"{api}/contents/{change.filename}?ref={ref}",
        "patch": change.patch,
    }
    if change.previous_filename:
        data["previous_filename"] = change.previous_filename
    return data


def content_json(st: State, repo: Repo, ref: str, entry: TreeEntry, content: bytes | None) -> JSON:
    """A contents-API item; with `content` it is the file form (base64 body)."""
    api = repo_api_url(st, repo)
    kind = {"blob": "file", "tree": "dir", "commit": "submodule"}[entry.type]
    url = f"{api}/contents/{entry.path}?ref={ref}"
    git_url = f"{api}/git/{'trees' if kind == 'dir' else 'blobs'}/{entry.sha}"
    html = f"{repo_html_url(st, repo)}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{entry.path}"
    data: JSON = {
        "type": kind,
        "size": entry.size,
        "name": entry.path.rsplit("/", 1)[-1],
        "path": entry.path,
        "sha": entry.sha,
        "url": url,
        "git_url": git_url,
        "html_url": html,
        "download_url": f"{repo_html_url(st, repo)}/raw/{ref}/{entry.path}" if kind == "file" else None,
        "_links": {"self": url, "git": git_url, "html": html},
    }
    if content is not None:
        encoded = base64.b64encode(content).decode()
        data["encoding"] = "base64"
        data["content"] = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"
    return data


def short_branch_json(st: State, repo: Repo, name: str, sha: str) -> JSON:
    return {
        "name": name,
        "commit": {"sha": sha, "url": f"{repo_api_url(st, repo)}/commits/{sha}"},
        "protected": name in repo.protections,
    }


def branch_json(st: State, repo: Repo, name: str, info: CommitInfo) -> JSON:
    api = repo_api_url(st, repo)
    protection = repo.protections.get(name)
    checks = (protection or {}).get("required_status_checks") or {}
    return {
        "name": name,
        "commit": commit_json(st, repo, info),
        "_links": {"self": f"{api}/branches/{name}", "html": f"{repo_html_url(st, repo)}/tree/{name}"},
        "protected": protection is not None,
        "protection": {
            "enabled": protection is not None,
            "required_status_checks": {
                "enforcement_level": "non_admins" if checks else "off",
                "contexts": list(checks.get("contexts", [])),
                "checks": [{"context": context, "app_id": None} for context in checks.get("contexts", [])],
            },
        },
        "protection_url": f"{api}/branches/{name}/protection",
    }


def required_status_checks_json(url: str, checks: JSON) -> JSON:
    contexts = list(checks.get("contexts", []))
    return {
        "url": f"{url}/required_status_checks",
        "strict": bool(checks.get("strict", False)),
        "contexts": contexts,
        "contexts_url": f"{url}/required_status_checks/contexts",
        "checks": [{"context": context, "app_id": None} for context in contexts],
    }


def protection_json(st: State, repo: Repo, branch: str) -> JSON:
    """GitHub's read form of a stored protection (the stored form is the PUT request body)."""
    stored = repo.protections[branch]
    url = f"{repo_api_url(st, repo)}/branches/{branch}/protection"
    data: JSON = {"url": url}
    if stored.get("required_status_checks") is not None:
        data["required_status_checks"] = required_status_checks_json(url, stored["required_status_checks"])
    reviews = stored.get("required_pull_request_reviews")
    if reviews is not None:
        allowances = reviews.get("bypass_pull_request_allowances") or {}
        data["required_pull_request_reviews"] = {
            "url": f"{url}/required_pull_request_reviews",
            "dismiss_stale_reviews": bool(reviews.get("dismiss_stale_reviews", False)),
            "require_code_owner_reviews": bool(reviews.get("require_code_owner_reviews", False)),
            "required_approving_review_count": int(reviews.get("required_approving_review_count", 1)),
            "require_last_push_approval": bool(reviews.get("require_last_push_approval", False)),
            "bypass_pull_request_allowances": {
                "users": [user_json(st, user) for login in allowances.get("users", []) if (user := st.user(login))],
                "teams": [],
                "apps": [],
            },
        }
    restrictions = stored.get("restrictions")
    if restrictions is not None:
        data["restrictions"] = {
            "url": f"{url}/restrictions",
            "users_url": f"{url}/restrictions/users",
            "teams_url": f"{url}/restrictions/teams",
            "apps_url": f"{url}/restrictions/apps",
            "users": [user_json(st, user) for login in restrictions.get("users", []) if (user := st.user(login))],
            "teams": [],
            "apps": [],
        }
    data["enforce_admins"] = {"url": f"{url}/enforce_admins", "enabled": bool(stored.get("enforce_admins"))}
    for flag in (
        "required_linear_history",
        "allow_force_pushes",
        "allow_deletions",
        "block_creations",
        "required_conversation_resolution",
        "lock_branch",
        "allow_fork_syncing",
    ):
        data[flag] = {"enabled": bool(stored.get(flag, False))}
    data["required_signatures"] = {"url": f"{url}/required_signatures", "enabled": False}
    return data


def app_json(st: State, app_id: int | None = None) -> JSON:
    """The fake's App, or (for another `app_id`) a stand-in for some other GitHub App."""
    app = st.app
    ident = app.id if app_id is None else app_id
    ours = ident == app.id
    slug = app.slug if ours else f"other-app-{ident}"
    return {
        "id": ident,
        "slug": slug,
        "node_id": node_id("App", ident),
        "owner": user_json(st, app.owner),
        "name": app.name if ours else f"Other App {ident}",
        "description": "GitHub App of the fake GitHub",
        "external_url": f"{st.web_base}/apps/{slug}",
        "html_url": f"{st.web_base}/apps/{slug}",
        "created_at": app.created_at,
        "updated_at": app.created_at,
        "permissions": dict(APP_PERMISSIONS),
        "events": list(APP_EVENTS),
    }


def installation_json(st: State, installation: Installation) -> JSON:
    api = f"{st.base_url}/app/installations/{installation.id}"
    return {
        "id": installation.id,
        "account": user_json(st, installation.account),
        "repository_selection": "selected",
        "access_tokens_url": f"{api}/access_tokens",
        "repositories_url": f"{st.base_url}/installation/repositories",
        "html_url": f"{st.web_base}/settings/installations/{installation.id}",
        "app_id": st.app.id,
        "app_slug": st.app.slug,
        "target_id": installation.account.id,
        "target_type": installation.account.type,
        "permissions": dict(APP_PERMISSIONS),
        "events": list(APP_EVENTS),
        "created_at": installation.created_at,
        "updated_at": installation.created_at,
        "single_file_name": None,
        "has_multiple_single_files": False,
        "single_file_paths": [],
        "suspended_by": None,
        "suspended_at": None,
    }


def check_suite_json(st: State, repo: Repo, run: CheckRun, pulls: list[JSON]) -> JSON:
    return {
        "id": run.suite_id,
        "node_id": node_id("CheckSuite", run.suite_id),
        "head_branch": None,
        "head_sha": run.head_sha,
        "status": run.status,
        "conclusion": run.conclusion,
        "url": f"{repo_api_url(st, repo)}/check-suites/{run.suite_id}",
        "before": None,
        "after": run.head_sha,
        "pull_requests": pulls,
        "app": app_json(st, run.app_id),
        "created_at": run.created_at,
        "updated_at": run.completed_at or run.started_at or run.created_at,
    }


def check_run_json(st: State, repo: Repo, run: CheckRun, pulls: list[JSON]) -> JSON:
    """A check run; `pulls` are the open PRs whose head is the run's SHA (check-run-pull-request form)."""
    url = f"{repo_api_url(st, repo)}/check-runs/{run.id}"
    return {
        "id": run.id,
        "name": run.name,
        "node_id": node_id("CheckRun", run.id),
        "head_sha": run.head_sha,
        "external_id": run.external_id,
        "url": url,
        "html_url": f"{repo_html_url(st, repo)}/runs/{run.id}",
        "details_url": run.details_url or f"{repo_html_url(st, repo)}/runs/{run.id}",
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "output": {
            "title": run.output.get("title"),
            "summary": run.output.get("summary"),
            "text": run.output.get("text"),
            "annotations_count": 0,
            "annotations_url": f"{url}/annotations",
        },
        "check_suite": check_suite_json(st, repo, run, pulls),
        "app": app_json(st, run.app_id),
        "pull_requests": pulls,
    }


def status_json(st: State, repo: Repo, status: CommitStatus) -> JSON:
    return {
        "url": f"{repo_api_url(st, repo)}/statuses/{status.sha}",
        "avatar_url": None,
        "id": status.id,
        "node_id": node_id("StatusContext", status.id),
        "state": status.state,
        "description": status.description,
        "target_url": status.target_url,
        "context": status.context,
        "created_at": status.created_at,
        "updated_at": status.updated_at,
        "creator": user_json(st, status.creator),
    }


def hook_json(st: State, repo: Repo, hook: Hook) -> JSON:
    url = f"{repo_api_url(st, repo)}/hooks/{hook.id}"
    config: JSON = {"content_type": hook.content_type, "insecure_ssl": hook.insecure_ssl, "url": hook.url}
    if hook.secret:
        config["secret"] = "********"
    return {
        "type": "Repository",
        "id": hook.id,
        "name": hook.name,
        "active": hook.active,
        "events": list(hook.events),
        "config": config,
        "updated_at": hook.updated_at,
        "created_at": hook.created_at,
        "url": url,
        "test_url": f"{url}/test",
        "ping_url": f"{url}/pings",
        "deliveries_url": f"{url}/deliveries",
        "last_response": {"code": None, "status": "unused", "message": None},
    }


def package_version_json(st: State, owner: str, package: str, version: PackageVersion, *, org: bool) -> JSON:
    scope = "orgs" if org else "users"
    return {
        "id": version.id,
        "name": version.name,
        "url": f"{st.base_url}/{scope}/{owner}/packages/container/{package}/versions/{version.id}",
        "package_html_url": f"{st.web_base}/{owner}/packages/container/package/{package}",
        "html_url": f"{st.web_base}/{owner}/packages/container/{package}/{version.id}",
        "created_at": version.created_at,
        "updated_at": version.created_at,
        "metadata": {"package_type": "container", "container": {"tags": list(version.tags)}},
    }
