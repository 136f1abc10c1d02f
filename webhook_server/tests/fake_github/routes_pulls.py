"""REST routes for pull requests: list/create/edit, files, commits, merge, reviewers, reviews, comments."""

from __future__ import annotations

from webhook_server.tests.fake_github import actions, actions_git
from webhook_server.tests.fake_github.gitrepo import ZERO_SHA
from webhook_server.tests.fake_github.protocol import ApiError, Ctx, Reply, RouteTable, not_found, validation_failed
from webhook_server.tests.fake_github.routes_issues import sort_items
from webhook_server.tests.fake_github.serializers import review_json, user_json
from webhook_server.tests.fake_github.serializers_misc import commit_json, diff_entry_json
from webhook_server.tests.fake_github.serializers_pulls import (
    base_tip,
    changed_files,
    pull_json,
    pull_of,
    simple_pull_json,
)
from webhook_server.tests.fake_github.serializers_threads import review_comment_json
from webhook_server.tests.fake_github.state import Issue

TABLE = RouteTable()
PULL = "/repos/{owner}/{repo}/pulls/{number:int}"


def _listed(issue: Issue, query: dict[str, str]) -> bool:
    pull = pull_of(issue)
    state = query.get("state", "open")
    if state not in ("all", issue.state):
        return False
    if "head" in query and pull.head_ref != query["head"].split(":", 1)[-1]:
        return False
    return "base" not in query or pull.base_ref == query["base"]


@TABLE.add("GET", "/repos/{owner}/{repo}/pulls")
def list_pulls(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    found = sort_items([issue for issue in repo.pulls() if _listed(issue, ctx.query)], ctx.query)
    return ctx.paginate([simple_pull_json(ctx.st, repo, issue) for issue in found])


@TABLE.add("POST", "/repos/{owner}/{repo}/pulls")
def create_pull(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    body = ctx.json_body()
    for key in ("head", "base"):
        if not body.get(key):
            raise validation_failed("PullRequest", key, "missing_field")
    issue = actions_git.open_pull(
        ctx.backend,
        repo,
        str(body["head"]),
        str(body["base"]),
        title=str(body.get("title") or ""),
        body=body.get("body"),
        actor=ctx.actor,
        draft=bool(body.get("draft", False)),
    )
    return Reply(201, pull_json(ctx.st, repo, issue))


@TABLE.add("GET", PULL)
def get_pull(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo, pull=True)
    data = pull_json(ctx.st, repo, issue)
    override = pull_of(issue).mergeable_override
    if override is not None and override.unknown_reads > 0:
        override.unknown_reads -= 1
    return Reply(body=data)


@TABLE.add("PATCH", PULL)
def edit_pull(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo, pull=True)
    if issue.user.id != ctx.actor.id:
        repo = ctx.repo("write")
    body = ctx.json_body()
    actions.edit_text(ctx.backend, repo, issue, body, ctx.actor)
    if body.get("base"):
        actions_git.change_base(ctx.backend, repo, issue, str(body["base"]), ctx.actor)
    if "state" in body:
        if pull_of(issue).merged:
            raise validation_failed(
                "PullRequest", "state", "custom", "Cannot change the state of a merged pull request"
            )
        actions.set_state(ctx.backend, repo, issue, str(body["state"]), ctx.actor)
    return Reply(body=pull_json(ctx.st, repo, issue))


@TABLE.add("GET", f"{PULL}/files")
def list_files(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo, pull=True)
    head = pull_of(issue).head_sha
    return ctx.paginate([diff_entry_json(ctx.st, repo, head, change) for change in changed_files(repo, issue)])


@TABLE.add("GET", f"{PULL}/commits")
def list_commits(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo, pull=True)
    pull = pull_of(issue)
    base = base_tip(repo, pull) if issue.state == "open" else pull.base_sha
    merge_base = repo.git.merge_base(base, pull.head_sha) or base
    commits = repo.git.commits_between(merge_base, pull.head_sha)[:250]
    return ctx.paginate([commit_json(ctx.st, repo, info) for info in commits])


@TABLE.add("GET", f"{PULL}/merge")
def is_merged(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    if not pull_of(ctx.issue(repo, pull=True)).merged:
        raise not_found()
    return Reply(204)


@TABLE.add("PUT", f"{PULL}/merge")
def merge(ctx: Ctx) -> Reply:
    repo = ctx.repo("write")
    issue = ctx.issue(repo, pull=True)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    sha = actions_git.merge_pull(
        ctx.backend,
        repo,
        issue,
        ctx.actor,
        str(body.get("merge_method") or "merge"),
        sha=body.get("sha"),
        commit_title=body.get("commit_title"),
        commit_message=body.get("commit_message"),
    )
    return Reply(body={"sha": sha, "merged": True, "message": "Pull Request successfully merged"})


@TABLE.add("PUT", f"{PULL}/update-branch")
def update_branch(ctx: Ctx) -> Reply:
    repo = ctx.repo("write")
    issue = ctx.issue(repo, pull=True)
    pull = pull_of(issue)
    base = base_tip(repo, pull)
    if repo.git.is_ancestor(base, pull.head_sha):
        raise ApiError(422, "There are no new commits on the base branch.")
    tree = repo.git.merge_tree(pull.head_sha, base)
    if tree is None:
        raise ApiError(422, "merge conflict between base and head")
    actor = actions_git.identity_of(ctx.actor)
    message = f"Merge branch '{pull.base_ref}' into {pull.head_ref}"
    sha = repo.git.commit_tree(tree, [pull.head_sha, base], message, actor, actions_git.WEB_FLOW_IDENTITY)
    ref = f"refs/heads/{pull.head_ref}"
    before = repo.git.rev(ref) or ZERO_SHA
    repo.git.update_ref(ref, sha)
    actions_git.apply_ref_updates(ctx.backend, repo, [(ref, before, sha)], ctx.actor)
    return Reply(202, {"message": "Updating pull request branch.", "url": f"{ctx.st.base_url}{ctx.path}"})


def _requested_json(ctx: Ctx, issue: Issue) -> dict[str, object]:
    return {"users": [user_json(ctx.st, user) for user in pull_of(issue).requested_reviewers], "teams": []}


@TABLE.add("GET", f"{PULL}/requested_reviewers")
def list_requested_reviewers(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return Reply(body=_requested_json(ctx, ctx.issue(repo, pull=True)))


@TABLE.add("POST", f"{PULL}/requested_reviewers")
def request_reviewers(ctx: Ctx) -> Reply:
    repo = ctx.repo("triage")
    issue = ctx.issue(repo, pull=True)
    logins = [str(login) for login in ctx.json_body().get("reviewers", [])]
    actions.request_reviewers(ctx.backend, repo, issue, logins, ctx.actor)
    return Reply(201, simple_pull_json(ctx.st, repo, issue))


@TABLE.add("DELETE", f"{PULL}/requested_reviewers")
def remove_requested_reviewers(ctx: Ctx) -> Reply:
    repo = ctx.repo("triage")
    issue = ctx.issue(repo, pull=True)
    logins = [str(login) for login in ctx.json_body().get("reviewers", [])]
    actions.remove_requested_reviewers(ctx.backend, repo, issue, logins, ctx.actor)
    return Reply(200, simple_pull_json(ctx.st, repo, issue))


@TABLE.add("GET", f"{PULL}/reviews")
def list_reviews(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo, pull=True)
    return ctx.paginate([review_json(ctx.st, repo, issue, review) for review in pull_of(issue).reviews])


@TABLE.add("POST", f"{PULL}/reviews")
def create_review(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo, pull=True)
    body = ctx.json_body()
    review = actions.submit_review(
        ctx.backend, repo, issue, ctx.actor, event=str(body.get("event") or ""), body=str(body.get("body") or "")
    )
    actions_git.auto_merge_candidates(ctx.backend, repo, pull_of(issue).head_sha)
    return Reply(200, review_json(ctx.st, repo, issue, review))


@TABLE.add("GET", f"{PULL}/reviews/{{review_id:int}}")
def get_review(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo, pull=True)
    review = next((r for r in pull_of(issue).reviews if r.id == ctx.int_param("review_id")), None)
    if review is None:
        raise not_found()
    return Reply(body=review_json(ctx.st, repo, issue, review))


@TABLE.add("PUT", f"{PULL}/reviews/{{review_id:int}}/dismissals")
def dismiss_review(ctx: Ctx) -> Reply:
    repo = ctx.repo("write")
    issue = ctx.issue(repo, pull=True)
    review = next((r for r in pull_of(issue).reviews if r.id == ctx.int_param("review_id")), None)
    if review is None:
        raise not_found()
    actions.dismiss_review(ctx.backend, repo, issue, review, ctx.actor)
    return Reply(body=review_json(ctx.st, repo, issue, review))


@TABLE.add("GET", f"{PULL}/comments")
def list_review_comments(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo, pull=True)
    comments = [
        review_comment_json(ctx.st, repo, issue, thread, comment)
        for thread in pull_of(issue).threads
        for comment in thread.comments
    ]
    return ctx.paginate(comments)
