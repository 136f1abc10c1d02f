"""REST routes for repositories: settings, collaborators, contributors, contents, labels, hooks, packages."""

from __future__ import annotations

from typing import Any

from webhook_server.tests.fake_github import events
from webhook_server.tests.fake_github.actions import ensure_label
from webhook_server.tests.fake_github.protocol import ApiError, Ctx, Reply, RouteTable, not_found, validation_failed
from webhook_server.tests.fake_github.serializers import REPO_SETTING_DEFAULTS, label_json, repo_json, user_json
from webhook_server.tests.fake_github.serializers_misc import (
    content_json,
    hook_json,
    package_version_json,
    user_for_email,
)
from webhook_server.tests.fake_github.state import PERMISSION_LEVELS, Hook, Repo, State, User, now_iso

TABLE = RouteTable()
LEGACY_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}
EDITABLE_REPO_FIELDS = (*REPO_SETTING_DEFAULTS, "description", "default_branch", "archived", "private")


def permission_of(repo: Repo, user: User) -> str | None:
    if user.id == repo.owner.id:
        return "admin"
    entry = repo.collaborators.get(user.login.casefold())
    return entry[1] if entry else None


def permissions_json(role: str) -> dict[str, bool]:
    level = PERMISSION_LEVELS[role]
    return {
        "admin": level >= PERMISSION_LEVELS["admin"],
        "maintain": level >= PERMISSION_LEVELS["maintain"],
        "push": level >= PERMISSION_LEVELS["write"],
        "triage": level >= PERMISSION_LEVELS["triage"],
        "pull": True,
    }


def collaborator_json(st: State, user: User, role: str) -> dict[str, Any]:
    data = user_json(st, user)
    data["permissions"] = permissions_json(role)
    data["role_name"] = role
    return data


@TABLE.add("GET", "/repos/{owner}/{repo}")
def get_repo(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    data = repo_json(ctx.st, repo, rest=True)
    if ctx.identity.user is not None and ctx.identity.kind == "user":
        data["permissions"] = permissions_json(permission_of(repo, ctx.identity.user) or "read")
    return Reply(body=data)


@TABLE.add("PATCH", "/repos/{owner}/{repo}")
def edit_repo(ctx: Ctx) -> Reply:
    body = ctx.json_body()
    repo = _archived_repo(ctx) if body.get("archived") is False else ctx.repo("admin")
    for key, value in body.items():
        if key == "security_and_analysis":
            repo.security_and_analysis.update(value)
        elif key == "default_branch":
            if repo.git.rev(f"refs/heads/{value}") is None:
                raise validation_failed("Repository", "default_branch", "invalid")
            repo.default_branch = value
        elif key in ("description", "archived", "private"):
            setattr(repo, key, value)
        elif key in EDITABLE_REPO_FIELDS:
            repo.settings[key] = value
    return Reply(body=repo_json(ctx.st, repo, rest=True))


def _archived_repo(ctx: Ctx) -> Repo:
    """Unarchiving is the one write allowed on an archived repository."""
    repo = ctx.repo()
    if permission_of(repo, ctx.actor) != "admin":
        raise ApiError(403, "Must have admin rights to Repository.")
    return repo


@TABLE.add("GET", "/repos/{owner}/{repo}/collaborators")
def list_collaborators(ctx: Ctx) -> Reply:
    repo = ctx.repo("write")
    people = [(repo.owner, "admin")] if repo.owner.type == "User" else []
    people += [entry for entry in repo.collaborators.values() if entry[0].id != repo.owner.id]
    wanted = ctx.query.get("permission")
    if wanted:
        people = [(user, role) for user, role in people if PERMISSION_LEVELS[role] >= PERMISSION_LEVELS[wanted]]
    return ctx.paginate([collaborator_json(ctx.st, user, role) for user, role in people])


@TABLE.add("GET", "/repos/{owner}/{repo}/collaborators/{login}")
def check_collaborator(ctx: Ctx) -> Reply:
    repo = ctx.repo("write")
    user = ctx.st.user(ctx.params["login"])
    if user is None or permission_of(repo, user) is None:
        raise not_found()
    return Reply(204)


@TABLE.add("GET", "/repos/{owner}/{repo}/collaborators/{login}/permission")
def collaborator_permission(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    user = ctx.st.user(ctx.params["login"])
    if user is None:
        raise not_found()
    role = permission_of(repo, user)
    data = collaborator_json(ctx.st, user, role or "read")
    return Reply(
        body={
            "permission": LEGACY_PERMISSION[role] if role else ("read" if not repo.private else "none"),
            "role_name": role or ("read" if not repo.private else "none"),
            "user": data,
        }
    )


@TABLE.add("GET", "/repos/{owner}/{repo}/contributors")
def list_contributors(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    counts: dict[int, tuple[User, int]] = {}
    for email, count in repo.git.shortlog_emails(f"refs/heads/{repo.default_branch}"):
        user = user_for_email(ctx.st, email)
        if user is not None:
            previous = counts.get(user.id, (user, 0))[1]
            counts[user.id] = (user, previous + count)
    ranked = sorted(counts.values(), key=lambda item: (-item[1], item[0].login))
    return ctx.paginate([{**user_json(ctx.st, user), "contributions": count} for user, count in ranked])


@TABLE.add("GET", "/repos/{owner}/{repo}/contents")
@TABLE.add("GET", "/repos/{owner}/{repo}/contents/")
@TABLE.add("GET", "/repos/{owner}/{repo}/contents/{path:path}")
def get_contents(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    ref = ctx.query.get("ref") or repo.default_branch
    path = ctx.params.get("path", "").strip("/")
    if repo.git.rev(ref) is None:
        raise ApiError(404, f"No commit found for the ref {ref}")
    entries = repo.git.ls_tree(ref, path)
    if not entries:
        raise not_found()
    if len(entries) == 1 and entries[0].path == path and entries[0].type == "blob":
        return Reply(body=content_json(ctx.st, repo, ref, entries[0], repo.git.read_blob(entries[0].sha)))
    return Reply(body=[content_json(ctx.st, repo, ref, entry, None) for entry in entries])


@TABLE.add("GET", "/repos/{owner}/{repo}/labels")
def list_labels(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return ctx.paginate([label_json(ctx.st, repo, label) for label in repo.labels.values()])


@TABLE.add("POST", "/repos/{owner}/{repo}/labels")
def create_label(ctx: Ctx) -> Reply:
    repo = ctx.repo("write")
    body = ctx.json_body()
    name = str(body.get("name", "")).strip()
    if not name:
        raise validation_failed("Label", "name", "missing_field")
    if name.casefold() in repo.labels:
        raise validation_failed("Label", "name", "already_exists")
    color = str(body.get("color", "ededed")).removeprefix("#")
    label = ensure_label(ctx.st, repo, name, color, body.get("description"))
    return Reply(201, label_json(ctx.st, repo, label))


@TABLE.add("GET", "/repos/{owner}/{repo}/labels/{name:path}")
def get_label(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    label = repo.labels.get(ctx.params["name"].casefold())
    if label is None:
        raise not_found()
    return Reply(body=label_json(ctx.st, repo, label))


@TABLE.add("PATCH", "/repos/{owner}/{repo}/labels/{name:path}")
def edit_label(ctx: Ctx) -> Reply:
    repo = ctx.repo("write")
    label = repo.labels.pop(ctx.params["name"].casefold(), None)
    if label is None:
        raise not_found()
    body = ctx.json_body()
    label.name = body.get("new_name") or body.get("name") or label.name
    label.color = str(body.get("color", label.color)).removeprefix("#")
    label.description = body.get("description", label.description)
    repo.labels[label.name.casefold()] = label
    return Reply(body=label_json(ctx.st, repo, label))


@TABLE.add("DELETE", "/repos/{owner}/{repo}/labels/{name:path}")
def delete_label(ctx: Ctx) -> Reply:
    repo = ctx.repo("write")
    label = repo.labels.pop(ctx.params["name"].casefold(), None)
    if label is None:
        raise not_found()
    for issue in repo.issues.values():
        issue.labels = [existing for existing in issue.labels if existing.id != label.id]
    return Reply(204)


def _hook(ctx: Ctx, repo: Repo) -> Hook:
    hook = repo.hooks.get(ctx.int_param("hook_id"))
    if hook is None:
        raise not_found()
    return hook


def _apply_hook_fields(hook: Hook, body: dict[str, Any]) -> None:
    config = body.get("config") or {}
    hook.url = config.get("url", hook.url)
    hook.content_type = config.get("content_type", hook.content_type)
    hook.insecure_ssl = str(config.get("insecure_ssl", hook.insecure_ssl))
    if "secret" in config:
        hook.secret = config["secret"] or None
    if "events" in body:
        hook.events = list(body["events"])
    hook.events += [event for event in body.get("add_events", []) if event not in hook.events]
    hook.events = [event for event in hook.events if event not in body.get("remove_events", [])]
    if "active" in body:
        hook.active = bool(body["active"])
    hook.updated_at = now_iso()


@TABLE.add("GET", "/repos/{owner}/{repo}/hooks")
def list_hooks(ctx: Ctx) -> Reply:
    repo = ctx.repo("admin")
    return ctx.paginate([hook_json(ctx.st, repo, hook) for hook in repo.hooks.values()])


@TABLE.add("POST", "/repos/{owner}/{repo}/hooks")
def create_hook(ctx: Ctx) -> Reply:
    repo = ctx.repo("admin")
    body = ctx.json_body()
    if not (body.get("config") or {}).get("url"):
        raise validation_failed("Hook", "url", "custom", "url is missing")
    hook = Hook(id=ctx.st.next_id(), url="", secret=None, events=["push"])
    _apply_hook_fields(hook, body)
    duplicate = next((existing for existing in repo.hooks.values() if existing.url == hook.url), None)
    if duplicate is not None:
        raise validation_failed("Hook", "url", "custom", "Hook already exists on this repository")
    repo.hooks[hook.id] = hook
    events.ping_event(ctx.backend, repo, hook, ctx.actor)
    return Reply(201, hook_json(ctx.st, repo, hook))


@TABLE.add("GET", "/repos/{owner}/{repo}/hooks/{hook_id:int}")
def get_hook(ctx: Ctx) -> Reply:
    repo = ctx.repo("admin")
    return Reply(body=hook_json(ctx.st, repo, _hook(ctx, repo)))


@TABLE.add("PATCH", "/repos/{owner}/{repo}/hooks/{hook_id:int}")
def edit_hook(ctx: Ctx) -> Reply:
    repo = ctx.repo("admin")
    hook = _hook(ctx, repo)
    _apply_hook_fields(hook, ctx.json_body())
    return Reply(body=hook_json(ctx.st, repo, hook))


@TABLE.add("DELETE", "/repos/{owner}/{repo}/hooks/{hook_id:int}")
def delete_hook(ctx: Ctx) -> Reply:
    repo = ctx.repo("admin")
    del repo.hooks[_hook(ctx, repo).id]
    return Reply(204)


@TABLE.add("GET", "/orgs/{owner}/packages/container/{package}/versions")
@TABLE.add("GET", "/users/{owner}/packages/container/{package}/versions")
def list_package_versions(ctx: Ctx) -> Reply:
    versions = _package(ctx)
    org = ctx.path.startswith("/orgs/")
    owner, package = ctx.params["owner"], ctx.params["package"]
    return ctx.paginate([package_version_json(ctx.st, owner, package, item, org=org) for item in versions])


@TABLE.add("DELETE", "/orgs/{owner}/packages/container/{package}/versions/{version_id:int}")
@TABLE.add("DELETE", "/users/{owner}/packages/container/{package}/versions/{version_id:int}")
def delete_package_version(ctx: Ctx) -> Reply:
    versions = _package(ctx)
    version_id = ctx.int_param("version_id")
    if not any(version.id == version_id for version in versions):
        raise not_found()
    versions[:] = [version for version in versions if version.id != version_id]
    return Reply(204)


def _package(ctx: Ctx) -> list[Any]:
    if ctx.identity.kind == "anonymous":
        raise ApiError(401, "Requires authentication")
    owner = ctx.st.user(ctx.params["owner"])
    if owner is None or ctx.path.startswith("/orgs/") != (owner.type == "Organization"):
        raise not_found()
    versions = ctx.st.packages.get((owner.login.casefold(), ctx.params["package"]))
    if versions is None:
        raise ApiError(404, "Package not found.")
    return versions
