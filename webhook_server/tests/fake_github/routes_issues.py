"""REST routes for issues (pull requests included, as on GitHub): comments, reactions, labels, assignees."""

from __future__ import annotations

from typing import Any

from webhook_server.tests.fake_github import actions
from webhook_server.tests.fake_github.protocol import ApiError, Ctx, Reply, RouteTable, not_found, validation_failed
from webhook_server.tests.fake_github.serializers import comment_json, issue_json, label_json, reaction_json
from webhook_server.tests.fake_github.state import Issue, Reaction, Repo

TABLE = RouteTable()
ISSUE = "/repos/{owner}/{repo}/issues/{number:int}"
COMMENT = "/repos/{owner}/{repo}/issues/comments/{comment_id:int}"


def _matches(issue: Issue, query: dict[str, str]) -> bool:
    state = query.get("state", "open")
    if state not in ("all", issue.state):
        return False
    if "creator" in query and issue.user.login.casefold() != query["creator"].casefold():
        return False
    assignee = query.get("assignee")
    if assignee and assignee != "*" and not any(u.login.casefold() == assignee.casefold() for u in issue.assignees):
        return False
    wanted = {name.strip().casefold() for name in query.get("labels", "").split(",") if name.strip()}
    return wanted <= {label.name.casefold() for label in issue.labels}


def sort_items(items: list[Issue], query: dict[str, str]) -> list[Issue]:
    """GitHub's list order: `sort` created | updated (default created), `direction` default desc."""
    key = "updated_at" if query.get("sort") == "updated" else "created_at"
    ordered = sorted(items, key=lambda item: (getattr(item, key), item.number))
    return ordered if query.get("direction") == "asc" else list(reversed(ordered))


@TABLE.add("GET", "/repos/{owner}/{repo}/issues")
def list_issues(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    found = sort_items([issue for issue in repo.issues.values() if _matches(issue, ctx.query)], ctx.query)
    return ctx.paginate([issue_json(ctx.st, repo, issue) for issue in found])


@TABLE.add("POST", "/repos/{owner}/{repo}/issues")
def create_issue(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    body = ctx.json_body()
    assignees = list(body.get("assignees") or ([body["assignee"]] if body.get("assignee") else []))
    issue = actions.create_issue(
        ctx.backend,
        repo,
        str(body.get("title") or ""),
        body.get("body"),
        ctx.actor,
        labels=list(body.get("labels") or []),
        assignees=assignees,
    )
    return Reply(201, issue_json(ctx.st, repo, issue))


@TABLE.add("GET", ISSUE)
def get_issue(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return Reply(body=issue_json(ctx.st, repo, ctx.issue(repo)))


@TABLE.add("PATCH", ISSUE)
def edit_issue(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo)
    body = ctx.json_body()
    is_author = issue.user.id == ctx.actor.id
    needs_triage = any(key in body for key in ("labels", "assignees", "assignee", "milestone"))
    if needs_triage or not is_author:
        repo = ctx.repo("triage")
    apply_issue_edit(ctx, repo, issue, body)
    return Reply(body=issue_json(ctx.st, repo, issue))


def apply_issue_edit(ctx: Ctx, repo: Repo, issue: Issue, body: dict[str, Any]) -> None:
    actions.edit_text(ctx.backend, repo, issue, body, ctx.actor)
    if "labels" in body:
        names = [item["name"] if isinstance(item, dict) else str(item) for item in body["labels"] or []]
        actions.set_labels(ctx.backend, repo, issue, names, ctx.actor)
    if "assignees" in body or "assignee" in body:
        wanted = list(body.get("assignees") or ([body["assignee"]] if body.get("assignee") else []))
        current = [user.login for user in issue.assignees]
        removed = [login for login in current if login not in wanted]
        actions.change_assignees(ctx.backend, repo, issue, removed, ctx.actor, add=False)
        actions.change_assignees(ctx.backend, repo, issue, wanted, ctx.actor, add=True)
    if "state" in body:
        actions.set_state(ctx.backend, repo, issue, str(body["state"]), ctx.actor, reason=body.get("state_reason"))


@TABLE.add("GET", f"{ISSUE}/comments")
def list_comments(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo)
    return ctx.paginate([comment_json(ctx.st, repo, issue, comment) for comment in issue.comments])


@TABLE.add("POST", f"{ISSUE}/comments")
def create_comment(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo)
    comment = actions.add_comment(ctx.backend, repo, issue, str(ctx.json_body().get("body") or ""), ctx.actor)
    return Reply(201, comment_json(ctx.st, repo, issue, comment))


@TABLE.add("GET", COMMENT)
def get_comment(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue, comment = actions.find_comment(repo, ctx.int_param("comment_id"))
    return Reply(body=comment_json(ctx.st, repo, issue, comment))


@TABLE.add("PATCH", COMMENT)
def edit_comment(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    _, comment = actions.find_comment(repo, ctx.int_param("comment_id"))
    if comment.user.id != ctx.actor.id:
        repo = ctx.repo("triage")
    body = str(ctx.json_body().get("body") or "")
    if not body:
        raise validation_failed("IssueComment", "body", "missing_field")
    issue, comment = actions.edit_comment(ctx.backend, repo, ctx.int_param("comment_id"), body, ctx.actor)
    return Reply(body=comment_json(ctx.st, repo, issue, comment))


@TABLE.add("DELETE", COMMENT)
def delete_comment(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    _, comment = actions.find_comment(repo, ctx.int_param("comment_id"))
    if comment.user.id != ctx.actor.id:
        repo = ctx.repo("triage")
    actions.delete_comment(ctx.backend, repo, comment.id, ctx.actor)
    return Reply(204)


def _reactions_of(ctx: Ctx, repo: Repo) -> list[Reaction]:
    if "comment_id" in ctx.params:
        return actions.find_comment(repo, ctx.int_param("comment_id"))[1].reactions
    return ctx.issue(repo).reactions


@TABLE.add("GET", f"{COMMENT}/reactions")
@TABLE.add("GET", f"{ISSUE}/reactions")
def list_reactions(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    reactions = _reactions_of(ctx, repo)
    content = ctx.query.get("content")
    return ctx.paginate([reaction_json(ctx.st, r) for r in reactions if content is None or r.content == content])


@TABLE.add("POST", f"{COMMENT}/reactions")
@TABLE.add("POST", f"{ISSUE}/reactions")
def create_reaction(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    if ctx.identity.kind == "anonymous":
        raise ApiError(401, "Requires authentication")
    content = str(ctx.json_body().get("content", ""))
    reaction, created = actions.add_reaction(ctx.st, _reactions_of(ctx, repo), content, ctx.actor)
    return Reply(201 if created else 200, reaction_json(ctx.st, reaction))


@TABLE.add("DELETE", f"{COMMENT}/reactions/{{reaction_id:int}}")
@TABLE.add("DELETE", f"{ISSUE}/reactions/{{reaction_id:int}}")
def delete_reaction(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    reactions = _reactions_of(ctx, repo)
    reaction = next((r for r in reactions if r.id == ctx.int_param("reaction_id")), None)
    if reaction is None or reaction.user.id != ctx.actor.id:
        raise not_found()
    reactions.remove(reaction)
    return Reply(204)


def _label_names(body: Any) -> list[str]:
    """Labels as GitHub accepts them: a bare list, `{"labels": [...]}`, of names or `{"name": ...}`."""
    items = body.get("labels", []) if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise validation_failed("Label", "labels", "invalid")
    return [item["name"] if isinstance(item, dict) else str(item) for item in items]


@TABLE.add("GET", f"{ISSUE}/labels")
def list_issue_labels(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return ctx.paginate([label_json(ctx.st, repo, label) for label in ctx.issue(repo).labels])


@TABLE.add("POST", f"{ISSUE}/labels")
def add_issue_labels(ctx: Ctx) -> Reply:
    repo = ctx.repo("triage")
    issue = ctx.issue(repo)
    actions.add_labels(ctx.backend, repo, issue, _label_names(ctx.body), ctx.actor)
    return Reply(200, [label_json(ctx.st, repo, label) for label in issue.labels])


@TABLE.add("PUT", f"{ISSUE}/labels")
def set_issue_labels(ctx: Ctx) -> Reply:
    repo = ctx.repo("triage")
    issue = ctx.issue(repo)
    actions.set_labels(ctx.backend, repo, issue, _label_names(ctx.body), ctx.actor)
    return Reply(200, [label_json(ctx.st, repo, label) for label in issue.labels])


@TABLE.add("DELETE", f"{ISSUE}/labels/{{name:path}}")
def remove_issue_label(ctx: Ctx) -> Reply:
    repo = ctx.repo("triage")
    issue = ctx.issue(repo)
    actions.remove_label(ctx.backend, repo, issue, ctx.params["name"], ctx.actor)
    return Reply(200, [label_json(ctx.st, repo, label) for label in issue.labels])


@TABLE.add("DELETE", f"{ISSUE}/labels")
def clear_issue_labels(ctx: Ctx) -> Reply:
    repo = ctx.repo("triage")
    issue = ctx.issue(repo)
    actions.set_labels(ctx.backend, repo, issue, [], ctx.actor)
    return Reply(204)


@TABLE.add("POST", f"{ISSUE}/assignees")
@TABLE.add("DELETE", f"{ISSUE}/assignees")
def change_assignees(ctx: Ctx) -> Reply:
    repo = ctx.repo("triage")
    issue = ctx.issue(repo)
    logins = [str(login) for login in ctx.json_body().get("assignees", [])]
    assignable = [login for login in logins if _assignable(repo, login)]
    actions.change_assignees(ctx.backend, repo, issue, assignable, ctx.actor, add=ctx.method == "POST")
    return Reply(201 if ctx.method == "POST" else 200, issue_json(ctx.st, repo, issue))


def _assignable(repo: Repo, login: str) -> bool:
    """GitHub silently drops assignees who cannot be assigned (non-collaborators)."""
    return login.casefold() == repo.owner.login.casefold() or login.casefold() in repo.collaborators


@TABLE.add("GET", "/repos/{owner}/{repo}/assignees/{login}")
def check_assignee(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    if not _assignable(repo, ctx.params["login"]):
        raise not_found()
    return Reply(204)
