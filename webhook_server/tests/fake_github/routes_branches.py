"""REST routes for branches, branch protection, commits, compare and git refs."""

from __future__ import annotations

from typing import Any

from webhook_server.tests.fake_github.actions_git import apply_ref_updates
from webhook_server.tests.fake_github.gitrepo import ZERO_SHA
from webhook_server.tests.fake_github.protocol import ApiError, Ctx, Reply, RouteTable, not_found
from webhook_server.tests.fake_github.serializers import repo_api_url, repo_html_url
from webhook_server.tests.fake_github.serializers_misc import (
    branch_json,
    commit_json,
    diff_entry_json,
    protection_json,
    required_status_checks_json,
    short_branch_json,
)
from webhook_server.tests.fake_github.serializers_pulls import simple_pull_json
from webhook_server.tests.fake_github.state import Repo

TABLE = RouteTable()
PROTECTION_REQUIRED_KEYS = ("required_status_checks", "enforce_admins", "required_pull_request_reviews", "restrictions")


def _branch_sha(ctx: Ctx, repo: Repo) -> str:
    sha = repo.git.rev(f"refs/heads/{ctx.params['branch']}")
    if sha is None:
        raise ApiError(404, "Branch not found")
    return sha


@TABLE.add("GET", "/repos/{owner}/{repo}/branches")
def list_branches(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    branches = sorted(repo.git.branches().items())
    if ctx.query.get("protected") == "true":
        branches = [(name, sha) for name, sha in branches if name in repo.protections]
    return ctx.paginate([short_branch_json(ctx.st, repo, name, sha) for name, sha in branches])


@TABLE.add("GET", "/repos/{owner}/{repo}/branches/{branch:path}/protection/required_status_checks")
def get_required_status_checks(ctx: Ctx) -> Reply:
    repo = ctx.repo("admin")
    _branch_sha(ctx, repo)
    protection = repo.protections.get(ctx.params["branch"])
    if protection is None or protection.get("required_status_checks") is None:
        raise ApiError(404, "Required status checks not enabled")
    url = f"{repo_api_url(ctx.st, repo)}/branches/{ctx.params['branch']}/protection"
    return Reply(body=required_status_checks_json(url, protection["required_status_checks"]))


@TABLE.add("PATCH", "/repos/{owner}/{repo}/branches/{branch:path}/protection/required_status_checks")
def edit_required_status_checks(ctx: Ctx) -> Reply:
    repo = ctx.repo("admin")
    _branch_sha(ctx, repo)
    protection = repo.protections.get(ctx.params["branch"])
    if protection is None or protection.get("required_status_checks") is None:
        raise ApiError(404, "Required status checks not enabled")
    body = ctx.json_body()
    checks = protection["required_status_checks"]
    if "strict" in body:
        checks["strict"] = bool(body["strict"])
    if "contexts" in body or "checks" in body:
        checks["contexts"] = list(body.get("contexts") or [check["context"] for check in body.get("checks", [])])
    url = f"{repo_api_url(ctx.st, repo)}/branches/{ctx.params['branch']}/protection"
    return Reply(body=required_status_checks_json(url, checks))


@TABLE.add("GET", "/repos/{owner}/{repo}/branches/{branch:path}/protection")
def get_protection(ctx: Ctx) -> Reply:
    repo = ctx.repo("admin")
    _branch_sha(ctx, repo)
    if ctx.params["branch"] not in repo.protections:
        raise ApiError(404, "Branch not protected")
    return Reply(body=protection_json(ctx.st, repo, ctx.params["branch"]))


@TABLE.add("PUT", "/repos/{owner}/{repo}/branches/{branch:path}/protection")
def put_protection(ctx: Ctx) -> Reply:
    repo = ctx.repo("admin")
    _branch_sha(ctx, repo)
    body = ctx.json_body()
    missing = [key for key in PROTECTION_REQUIRED_KEYS if key not in body]
    if missing:
        raise ApiError(422, f'Invalid request.\n\n"{missing[0]}" wasn\'t supplied.')
    if repo.private and repo.settings.get("plan_blocks_protection"):
        raise ApiError(403, "Upgrade to GitHub Pro or make this repository public to enable this feature.")
    repo.protections[ctx.params["branch"]] = _stored_protection(body)
    return Reply(body=protection_json(ctx.st, repo, ctx.params["branch"]))


def _stored_protection(body: dict[str, Any]) -> dict[str, Any]:
    stored = dict(body)
    checks = body.get("required_status_checks")
    if checks is not None:
        contexts = list(checks.get("contexts") or [check["context"] for check in checks.get("checks", [])])
        stored["required_status_checks"] = {"strict": bool(checks.get("strict")), "contexts": contexts}
    return stored


@TABLE.add("DELETE", "/repos/{owner}/{repo}/branches/{branch:path}/protection")
def delete_protection(ctx: Ctx) -> Reply:
    repo = ctx.repo("admin")
    if repo.protections.pop(ctx.params["branch"], None) is None:
        raise ApiError(404, "Branch not protected")
    return Reply(204)


@TABLE.add("GET", "/repos/{owner}/{repo}/branches/{branch:path}")
def get_branch(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    sha = _branch_sha(ctx, repo)
    return Reply(body=branch_json(ctx.st, repo, ctx.params["branch"], repo.git.commit_info(sha)))


def _commit_sha(ctx: Ctx, repo: Repo, ref: str) -> str:
    sha = repo.git.rev(ref) or repo.git.rev(f"refs/heads/{ref}") or repo.git.rev(f"refs/tags/{ref}")
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}")
    return sha


@TABLE.add("GET", "/repos/{owner}/{repo}/commits")
def list_commits(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    sha = _commit_sha(ctx, repo, ctx.query.get("sha") or repo.default_branch)
    path = ctx.query.get("path")  # like GitHub: only commits that touched this file
    history = repo.git.log(sha, "--", path) if path else repo.git.log(sha)
    return ctx.paginate([commit_json(ctx.st, repo, info) for info in history])


@TABLE.add("GET", "/repos/{owner}/{repo}/commits/{ref}/pulls")
def commit_pulls(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    sha = _commit_sha(ctx, repo, ctx.params["ref"])
    found = []
    for issue in sorted(repo.pulls(), key=lambda item: -item.number):
        pull = issue.pull
        assert pull is not None
        if sha in (pull.head_sha, pull.merge_commit_sha) or repo.git.is_ancestor(sha, pull.head_sha):
            found.append(simple_pull_json(ctx.st, repo, issue))
    return ctx.paginate(found)


@TABLE.add("GET", "/repos/{owner}/{repo}/commits/{ref}")
def get_commit(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    sha = _commit_sha(ctx, repo, ctx.params["ref"])
    info = repo.git.commit_info(sha)
    files = repo.git.diff(info.parents[0], sha) if info.parents else []
    return Reply(body=commit_json(ctx.st, repo, info, files))


@TABLE.add("GET", "/repos/{owner}/{repo}/compare/{basehead:path}")
def compare(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    base_ref, separator, head_ref = ctx.params["basehead"].partition("...")
    if not separator:
        raise not_found()
    base = _commit_sha(ctx, repo, base_ref.split(":", 1)[-1])
    head = _commit_sha(ctx, repo, head_ref.split(":", 1)[-1])
    ahead, behind = repo.git.ahead_behind(base, head)
    merge_base = repo.git.merge_base(base, head) or base
    status = "identical" if ahead == behind == 0 else "ahead" if behind == 0 else "behind" if ahead == 0 else "diverged"
    commits = repo.git.commits_between(merge_base, head)
    html = f"{repo_html_url(ctx.st, repo)}/compare/{ctx.params['basehead']}"
    return Reply(
        body={
            "url": f"{repo_api_url(ctx.st, repo)}/compare/{ctx.params['basehead']}",
            "html_url": html,
            "permalink_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "base_commit": commit_json(ctx.st, repo, repo.git.commit_info(base)),
            "merge_base_commit": commit_json(ctx.st, repo, repo.git.commit_info(merge_base)),
            "status": status,
            "ahead_by": ahead,
            "behind_by": behind,
            "total_commits": len(commits),
            "commits": [commit_json(ctx.st, repo, info) for info in commits],
            "files": [diff_entry_json(ctx.st, repo, head, change) for change in repo.git.diff(merge_base, head)],
        }
    )


def _ref_json(ctx: Ctx, repo: Repo, ref: str, sha: str) -> dict[str, Any]:
    api = repo_api_url(ctx.st, repo)
    return {
        "ref": ref,
        "node_id": f"REF_{sha[:16]}",
        "url": f"{api}/git/{ref}",
        "object": {"type": "commit", "sha": sha, "url": f"{api}/git/commits/{sha}"},
    }


@TABLE.add("GET", "/repos/{owner}/{repo}/git/ref/{ref:path}")
def get_ref(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    ref = f"refs/{ctx.params['ref']}"
    sha = repo.git.refs(ref).get(ref)
    if sha is None:
        raise not_found()
    return Reply(body=_ref_json(ctx, repo, ref, sha))


@TABLE.add("POST", "/repos/{owner}/{repo}/git/refs")
def create_ref(ctx: Ctx) -> Reply:
    repo = ctx.repo("write")
    body = ctx.json_body()
    ref, sha = str(body.get("ref", "")), str(body.get("sha", ""))
    if not ref.startswith("refs/") or ref.count("/") < 2:
        raise ApiError(422, "Reference name must start with 'refs/' and have at least two slashes.")
    if repo.git.rev(sha) is None:
        raise ApiError(422, "Object does not exist")
    if ref in repo.git.refs(ref):
        raise ApiError(422, "Reference already exists")
    repo.git.update_ref(ref, sha)
    apply_ref_updates(ctx.backend, repo, [(ref, ZERO_SHA, sha)], ctx.actor)
    return Reply(201, _ref_json(ctx, repo, ref, sha))


@TABLE.add("DELETE", "/repos/{owner}/{repo}/git/refs/{ref:path}")
def delete_ref(ctx: Ctx) -> Reply:
    repo = ctx.repo("write")
    ref = f"refs/{ctx.params['ref']}"
    sha = repo.git.refs(ref).get(ref)
    if sha is None:
        raise ApiError(422, "Reference does not exist")
    repo.git.delete_ref(ref)
    apply_ref_updates(ctx.backend, repo, [(ref, sha, ZERO_SHA)], ctx.actor)
    return Reply(204)
