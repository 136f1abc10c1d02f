"""REST routes for check runs (App installation tokens only) and commit statuses."""

from __future__ import annotations

from webhook_server.tests.fake_github import actions, actions_git
from webhook_server.tests.fake_github.protocol import ApiError, Ctx, Reply, RouteTable, not_found
from webhook_server.tests.fake_github.serializers import repo_api_url, repo_json
from webhook_server.tests.fake_github.serializers_misc import check_run_json, status_json
from webhook_server.tests.fake_github.state import CheckRun, CommitStatus, Repo

TABLE = RouteTable()
CHECK_RUN = "/repos/{owner}/{repo}/check-runs/{check_run_id:int}"


def _require_app(ctx: Ctx) -> None:
    if ctx.identity.kind != "installation":
        raise ApiError(403, "You must authenticate via a GitHub App.")


def _run(ctx: Ctx, repo: Repo) -> CheckRun:
    run = next((run for run in repo.check_runs if run.id == ctx.int_param("check_run_id")), None)
    if run is None:
        raise not_found()
    return run


def _run_json(ctx: Ctx, repo: Repo, run: CheckRun) -> dict[str, object]:
    return check_run_json(ctx.st, repo, run, actions.check_run_pulls(ctx.backend, repo, run.head_sha))


def _sha(ctx: Ctx, repo: Repo) -> str:
    ref = ctx.params["ref"]
    sha = repo.git.rev(ref) or repo.git.rev(f"refs/heads/{ref}") or repo.git.rev(f"refs/tags/{ref}")
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}")
    return sha


@TABLE.add("POST", "/repos/{owner}/{repo}/check-runs")
def create_check_run(ctx: Ctx) -> Reply:
    _require_app(ctx)
    repo = ctx.repo("write")
    run = actions.write_check_run(ctx.backend, repo, None, ctx.json_body())
    actions_git.auto_merge_candidates(ctx.backend, repo, run.head_sha)
    return Reply(201, _run_json(ctx, repo, run))


@TABLE.add("GET", CHECK_RUN)
def get_check_run(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return Reply(body=_run_json(ctx, repo, _run(ctx, repo)))


@TABLE.add("PATCH", CHECK_RUN)
def update_check_run(ctx: Ctx) -> Reply:
    _require_app(ctx)
    repo = ctx.repo("write")
    run = _run(ctx, repo)
    if run.app_id != ctx.st.app.id:
        raise ApiError(
            403, f"Invalid app_id `{run.app_id}` - check run can only be modified by the GitHub App that created it."
        )
    actions.write_check_run(ctx.backend, repo, run, ctx.json_body())
    actions_git.auto_merge_candidates(ctx.backend, repo, run.head_sha)
    return Reply(body=_run_json(ctx, repo, run))


def latest_runs(runs: list[CheckRun]) -> list[CheckRun]:
    """The newest run of each name (GitHub's `filter=latest`)."""
    newest: dict[str, CheckRun] = {}
    for run in runs:
        newest[run.name] = run
    return [run for run in runs if newest[run.name] is run]


@TABLE.add("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs")
def list_check_runs(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    sha = _sha(ctx, repo)
    runs = [run for run in repo.check_runs if run.head_sha == sha]
    if ctx.query.get("check_name"):
        runs = [run for run in runs if run.name == ctx.query["check_name"]]
    if ctx.query.get("status"):
        runs = [run for run in runs if run.status == ctx.query["status"]]
    if ctx.query.get("app_id"):
        runs = [run for run in runs if str(run.app_id) == ctx.query["app_id"]]
    if ctx.query.get("filter", "latest") == "latest":
        runs = latest_runs(runs)
    runs.reverse()
    page = ctx.paginate([_run_json(ctx, repo, run) for run in runs])
    page.body = {"total_count": len(runs), "check_runs": page.body}
    return page


@TABLE.add("POST", "/repos/{owner}/{repo}/statuses/{sha}")
def create_status(ctx: Ctx) -> Reply:
    repo = ctx.repo("write")
    body = ctx.json_body()
    status = actions.create_status(
        ctx.backend,
        repo,
        ctx.params["sha"],
        str(body.get("state", "")),
        str(body.get("context") or "default"),
        actor=ctx.actor,
        description=body.get("description"),
        target_url=body.get("target_url"),
    )
    actions_git.auto_merge_candidates(ctx.backend, repo, status.sha)
    return Reply(201, status_json(ctx.st, repo, status))


def statuses_for(repo: Repo, sha: str) -> list[CommitStatus]:
    """Statuses of a commit, newest first."""
    return [status for status in reversed(repo.statuses) if status.sha == sha]


@TABLE.add("GET", "/repos/{owner}/{repo}/commits/{ref}/statuses")
@TABLE.add("GET", "/repos/{owner}/{repo}/statuses/{ref}")
def list_statuses(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return ctx.paginate([status_json(ctx.st, repo, status) for status in statuses_for(repo, _sha(ctx, repo))])


@TABLE.add("GET", "/repos/{owner}/{repo}/commits/{ref}/status")
def combined_status(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    sha = _sha(ctx, repo)
    latest: dict[str, CommitStatus] = {}
    for status in statuses_for(repo, sha):
        latest.setdefault(status.context, status)
    states = {status.state for status in latest.values()}
    combined = (
        "failure" if states & {"failure", "error"} else "pending" if "pending" in states or not states else "success"
    )
    api = repo_api_url(ctx.st, repo)
    page = ctx.paginate([status_json(ctx.st, repo, status) for status in latest.values()])
    page.body = {
        "state": combined,
        "statuses": page.body,
        "sha": sha,
        "total_count": len(latest),
        "repository": _minimal_repo(ctx, repo),
        "commit_url": f"{api}/commits/{sha}",
        "url": f"{api}/commits/{sha}/status",
    }
    return page


def _minimal_repo(ctx: Ctx, repo: Repo) -> dict[str, object]:
    data = repo_json(ctx.st, repo)
    del data["custom_properties"]
    return data
