"""State changes on issues, labels, comments, reviewers, reviews, checks and statuses, with their webhooks.

Used by both the HTTP routes and the test API, so a change made either way looks the same to hooks.
Callers hold the state lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webhook_server.tests.fake_github import events
from webhook_server.tests.fake_github.protocol import ApiError, validation_failed
from webhook_server.tests.fake_github.serializers import user_json
from webhook_server.tests.fake_github.state import (
    CheckRun,
    Comment,
    CommitStatus,
    Issue,
    Label,
    Reaction,
    Repo,
    Review,
    State,
    User,
    now_iso,
)

if TYPE_CHECKING:
    from webhook_server.tests.fake_github.backend import Backend

REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
REVIEW_EVENTS = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
CHECK_CONCLUSIONS = ("success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required", "stale")


def ensure_user(st: State, login: str, *, kind: str = "User") -> User:
    """The account named `login`, created on first use."""
    user = st.user(login)
    if user is None:
        user = User(id=st.next_id(), login=login, type=kind)
        st.users[login.casefold()] = user
    return user


def touch(issue: Issue) -> None:
    issue.updated_at = now_iso()


def ensure_label(st: State, repo: Repo, name: str, color: str = "ededed", description: str | None = None) -> Label:
    label = repo.labels.get(name.casefold())
    if label is None:
        label = Label(id=st.next_id(), name=name, color=color, description=description)
        repo.labels[name.casefold()] = label
    return label


def add_labels(backend: Backend, repo: Repo, issue: Issue, names: list[str], actor: User) -> None:
    """Add labels (creating missing repository labels, like GitHub); one `labeled` event per new label."""
    present = {label.name.casefold() for label in issue.labels}
    for name in names:
        if not name.strip():
            raise validation_failed("Label", "name", "missing_field")
        if name.casefold() in present:
            continue
        label = ensure_label(backend.state, repo, name)
        issue.labels.append(label)
        present.add(name.casefold())
        touch(issue)
        events.label_changed(backend, repo, issue, label, added=True, sender=actor)


def remove_label(backend: Backend, repo: Repo, issue: Issue, name: str, actor: User) -> None:
    label = next((label for label in issue.labels if label.name.casefold() == name.casefold()), None)
    if label is None:
        raise ApiError(404, "Label does not exist")
    issue.labels.remove(label)
    touch(issue)
    events.label_changed(backend, repo, issue, label, added=False, sender=actor)


def set_labels(backend: Backend, repo: Repo, issue: Issue, names: list[str], actor: User) -> None:
    wanted = {name.casefold() for name in names}
    for label in list(issue.labels):
        if label.name.casefold() not in wanted:
            remove_label(backend, repo, issue, label.name, actor)
    add_labels(backend, repo, issue, names, actor)


def add_comment(backend: Backend, repo: Repo, issue: Issue, body: str, actor: User) -> Comment:
    if not body:
        raise validation_failed("IssueComment", "body", "missing_field")
    comment = Comment(id=backend.state.next_id(), body=body, user=actor, via_app=actor.type == "Bot")
    issue.comments.append(comment)
    touch(issue)
    events.issue_comment_event(backend, repo, issue, comment, "created", sender=actor)
    return comment


def find_comment(repo: Repo, comment_id: int) -> tuple[Issue, Comment]:
    for issue in repo.issues.values():
        for comment in issue.comments:
            if comment.id == comment_id:
                return issue, comment
    raise ApiError(404, "Not Found")


def edit_comment(backend: Backend, repo: Repo, comment_id: int, body: str, actor: User) -> tuple[Issue, Comment]:
    issue, comment = find_comment(repo, comment_id)
    previous = comment.body
    comment.body = body
    comment.updated_at = now_iso()
    events.issue_comment_event(
        backend, repo, issue, comment, "edited", sender=actor, changes={"body": {"from": previous}}
    )
    return issue, comment


def delete_comment(backend: Backend, repo: Repo, comment_id: int, actor: User) -> None:
    issue, comment = find_comment(repo, comment_id)
    issue.comments.remove(comment)
    events.issue_comment_event(backend, repo, issue, comment, "deleted", sender=actor)


def add_reaction(st: State, reactions: list[Reaction], content: str, actor: User) -> tuple[Reaction, bool]:
    """(reaction, created): GitHub answers 200 with the existing reaction when it is repeated."""
    if content not in REACTIONS:
        raise validation_failed("Reaction", "content", "invalid")
    for reaction in reactions:
        if reaction.content == content and reaction.user.id == actor.id:
            return reaction, False
    reaction = Reaction(id=st.next_id(), content=content, user=actor)
    reactions.append(reaction)
    return reaction, True


def create_issue(
    backend: Backend,
    repo: Repo,
    title: str,
    body: str | None,
    actor: User,
    *,
    labels: list[str],
    assignees: list[str],
) -> Issue:
    if not title:
        raise validation_failed("Issue", "title", "missing_field")
    st = backend.state
    number = max(repo.issues, default=0) + 1
    issue = Issue(id=st.next_id(), number=number, title=title, body=body, user=actor)
    issue.labels = [ensure_label(st, repo, name) for name in labels]
    issue.assignees = [ensure_user(st, login) for login in assignees]
    repo.issues[number] = issue
    events.issues_event(backend, repo, issue, "opened", actor)
    return issue


def set_state(
    backend: Backend, repo: Repo, issue: Issue, state: str, actor: User, *, reason: str | None = None
) -> None:
    """Close or reopen an issue or pull request (a PR close here is not a merge)."""
    if state not in ("open", "closed"):
        raise validation_failed("Issue", "state", "invalid")
    if state == issue.state:
        return
    issue.state = state
    issue.closed_at = now_iso() if state == "closed" else None
    issue.closed_by = actor if state == "closed" else None
    issue.state_reason = (reason or "completed") if state == "closed" else "reopened"
    touch(issue)
    action = "closed" if state == "closed" else "reopened"
    if issue.pull is not None:
        if state == "closed":
            issue.pull.base_sha = repo.git.rev(f"refs/heads/{issue.pull.base_ref}") or issue.pull.base_sha
        events.pull_request_event(backend, repo, issue, action, actor)
    else:
        events.issues_event(backend, repo, issue, action, actor)


def edit_text(backend: Backend, repo: Repo, issue: Issue, changes: dict[str, Any], actor: User) -> None:
    """Apply title/body edits; one `edited` event listing the previous values."""
    previous: dict[str, Any] = {}
    for key in ("title", "body"):
        if key in changes and changes[key] != getattr(issue, key):
            previous[key] = {"from": getattr(issue, key) or ""}
            setattr(issue, key, changes[key])
    if not previous:
        return
    touch(issue)
    if issue.pull is not None:
        events.pull_request_event(backend, repo, issue, "edited", actor, changes=previous)
    else:
        events.issues_event(backend, repo, issue, "edited", actor, changes=previous)


def change_assignees(backend: Backend, repo: Repo, issue: Issue, logins: list[str], actor: User, *, add: bool) -> None:
    st = backend.state
    for login in logins:
        user = ensure_user(st, login)
        present = any(existing.id == user.id for existing in issue.assignees)
        if add == present:
            continue
        if add:
            issue.assignees.append(user)
        else:
            issue.assignees = [existing for existing in issue.assignees if existing.id != user.id]
        touch(issue)
        action = "assigned" if add else "unassigned"
        assignee = user_json(st, user)
        if issue.pull is not None:
            events.pull_request_event(backend, repo, issue, action, actor, assignee=assignee)
        else:
            events.issues_event(backend, repo, issue, action, actor, assignee=assignee)


def request_reviewers(backend: Backend, repo: Repo, issue: Issue, logins: list[str], actor: User) -> None:
    """Request reviews; like GitHub, the PR author and non-collaborators are refused with 422."""
    pull = issue.pull
    assert pull is not None
    st = backend.state
    for login in logins:
        user = st.user(login)
        if user is None or (user.id != repo.owner.id and login.casefold() not in repo.collaborators):
            raise validation_failed(
                "PullRequest",
                "reviewers",
                "invalid",
                "Reviews may only be requested from collaborators. One or more of the users or teams you specified "
                "is not a collaborator of the " + repo.full_name + " repository.",
            )
        if user.id == issue.user.id:
            raise validation_failed(
                "PullRequest", "reviewers", "invalid", "Review cannot be requested from pull request author."
            )
    for login in logins:
        user = ensure_user(st, login)
        if any(existing.id == user.id for existing in pull.requested_reviewers):
            continue
        pull.requested_reviewers.append(user)
        touch(issue)
        events.pull_request_event(
            backend, repo, issue, "review_requested", actor, requested_reviewer=user_json(st, user)
        )


def remove_requested_reviewers(backend: Backend, repo: Repo, issue: Issue, logins: list[str], actor: User) -> None:
    pull = issue.pull
    assert pull is not None
    wanted = {login.casefold() for login in logins}
    for user in [user for user in pull.requested_reviewers if user.login.casefold() in wanted]:
        pull.requested_reviewers.remove(user)
        events.pull_request_event(
            backend,
            repo,
            issue,
            "review_request_removed",
            actor,
            requested_reviewer=user_json(backend.state, user),
        )


def submit_review(backend: Backend, repo: Repo, issue: Issue, actor: User, *, event: str, body: str) -> Review:
    """Submit a review (event APPROVE | REQUEST_CHANGES | COMMENT); the reviewer leaves the request list."""
    pull = issue.pull
    assert pull is not None
    if event not in REVIEW_EVENTS:
        raise validation_failed("PullRequestReview", "event", "invalid")
    if event != "COMMENT" and actor.id == issue.user.id:
        verb = "approve" if event == "APPROVE" else "request changes on"
        raise ApiError(422, "Unprocessable Entity", errors=[f"Can not {verb} your own pull request"])
    if event != "APPROVE" and not body:
        raise ApiError(422, "Unprocessable Entity", errors=["Body is required for this review event"])
    review = Review(
        id=backend.state.next_id(), user=actor, body=body, state=REVIEW_EVENTS[event], commit_id=pull.head_sha
    )
    pull.reviews.append(review)
    pull.requested_reviewers = [user for user in pull.requested_reviewers if user.id != actor.id]
    touch(issue)
    events.review_event(backend, repo, issue, review, "submitted", sender=actor)
    return review


def dismiss_review(backend: Backend, repo: Repo, issue: Issue, review: Review, actor: User) -> None:
    if review.state not in ("APPROVED", "CHANGES_REQUESTED"):
        raise ApiError(422, "Can not dismiss a commented pull request review")
    review.state = "DISMISSED"
    events.review_event(backend, repo, issue, review, "dismissed", sender=actor)


def open_pulls_for_sha(repo: Repo, sha: str) -> list[Issue]:
    return [issue for issue in repo.pulls() if issue.state == "open" and issue.pull and issue.pull.head_sha == sha]


def check_run_pulls(backend: Backend, repo: Repo, sha: str) -> list[dict[str, Any]]:
    """The `pull_requests` of a check run: open PRs whose head is `sha`."""
    st = backend.state
    mini_repo = {"id": repo.id, "url": f"{st.base_url}/repos/{repo.full_name}", "name": repo.name}
    pulls = []
    for issue in open_pulls_for_sha(repo, sha):
        assert issue.pull is not None
        base_sha = repo.git.rev(f"refs/heads/{issue.pull.base_ref}") or issue.pull.base_sha
        pulls.append(
            {
                "url": f"{st.base_url}/repos/{repo.full_name}/pulls/{issue.number}",
                "id": issue.pull_id,
                "number": issue.number,
                "head": {"ref": issue.pull.head_ref, "sha": issue.pull.head_sha, "repo": mini_repo},
                "base": {"ref": issue.pull.base_ref, "sha": base_sha, "repo": mini_repo},
            }
        )
    return pulls


def write_check_run(
    backend: Backend, repo: Repo, run: CheckRun | None, fields: dict[str, Any], *, app_id: int | None = None
) -> CheckRun:
    """Create (run None; by `app_id`, default the fake's App) or update a check run; emits `created` / `completed`."""
    st = backend.state
    created = run is None
    if run is None:
        if not fields.get("name") or not fields.get("head_sha"):
            raise validation_failed("CheckRun", "name" if not fields.get("name") else "head_sha", "missing_field")
        if repo.git.rev(fields["head_sha"]) is None:
            raise validation_failed("CheckRun", "head_sha", "invalid", "No commit found for SHA: " + fields["head_sha"])
        suite = st.suites.setdefault((repo.id, fields["head_sha"]), st.next_id())
        run = CheckRun(
            id=st.next_id(),
            head_sha=fields["head_sha"],
            name=fields["name"],
            app_id=app_id or st.app.id,
            suite_id=suite,
        )
    was_completed = run.status == "completed"
    _apply_check_fields(run, fields)
    if created:
        repo.check_runs.append(run)
        events.check_run_event(backend, repo, run, "created", check_run_pulls(backend, repo, run.head_sha))
    if run.status == "completed" and (created or not was_completed or "conclusion" in fields):
        events.check_run_event(backend, repo, run, "completed", check_run_pulls(backend, repo, run.head_sha))
    return run


def _apply_check_fields(run: CheckRun, fields: dict[str, Any]) -> None:
    conclusion = fields.get("conclusion")
    status = fields.get("status") or ("completed" if conclusion else run.status)
    if status not in ("queued", "in_progress", "completed", "waiting", "requested", "pending"):
        raise validation_failed("CheckRun", "status", "invalid")
    if conclusion is not None and conclusion not in CHECK_CONCLUSIONS:
        raise validation_failed("CheckRun", "conclusion", "invalid")
    if status == "completed" and conclusion is None and run.conclusion is None:
        raise validation_failed("CheckRun", "conclusion", "missing_field")
    for key in ("name", "details_url", "external_id"):
        if key in fields:
            setattr(run, key, fields[key])
    if "output" in fields:
        output = fields["output"] or {}
        if "summary" not in output or "title" not in output:
            raise validation_failed("CheckRun", "output", "missing_field")
        run.output = {key: output.get(key) for key in ("title", "summary", "text")}
    run.status = status
    run.started_at = fields.get("started_at") or run.started_at or now_iso()
    if status == "completed":
        run.conclusion = conclusion or run.conclusion
        run.completed_at = fields.get("completed_at") or now_iso()
    else:
        run.conclusion = None
        run.completed_at = None


def create_status(
    backend: Backend, repo: Repo, sha: str, state: str, context: str, *, actor: User, **extra: str | None
) -> CommitStatus:
    if state not in ("error", "failure", "pending", "success"):
        raise validation_failed("Status", "state", "invalid")
    full_sha = repo.git.rev(sha)
    if full_sha is None:
        raise validation_failed("Status", "sha", "invalid", f"No commit found for SHA: {sha}")
    status = CommitStatus(
        id=backend.state.next_id(),
        sha=full_sha,
        state=state,
        context=context or "default",
        creator=actor,
        description=extra.get("description"),
        target_url=extra.get("target_url"),
    )
    repo.statuses.append(status)
    events.status_event(backend, repo, status, repo.git.commit_info(full_sha))
    return status
