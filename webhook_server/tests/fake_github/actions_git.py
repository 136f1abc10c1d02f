"""State changes that involve git: pushes, opening and editing pull requests, merges and auto-merge.

Callers hold the state lock. Every change emits the webhooks GitHub would send.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from webhook_server.tests.fake_github import events
from webhook_server.tests.fake_github.actions import touch
from webhook_server.tests.fake_github.gitrepo import ZERO_SHA, Identity
from webhook_server.tests.fake_github.protocol import ApiError, validation_failed
from webhook_server.tests.fake_github.state import AutoMerge, Issue, PullRequest, Repo, User, now_iso

if TYPE_CHECKING:
    from webhook_server.tests.fake_github.backend import Backend

MERGE_METHOD_SETTINGS = {"merge": "allow_merge_commit", "squash": "allow_squash_merge", "rebase": "allow_rebase_merge"}
WEB_FLOW_IDENTITY = Identity("GitHub", "noreply@github.com")
PASSED = ("success", "neutral", "skipped")


def identity_of(user: User) -> Identity:
    return Identity(user.name or user.login, user.email or user.noreply_email)


def apply_ref_updates(backend: Backend, repo: Repo, updates: list[tuple[str, str, str]], pusher: User) -> None:
    """React to ref changes (ref, before, after): push events, PR heads, `synchronize`."""
    for ref, before, after in updates:
        repo.pushed_at = now_iso()
        events.push_event(backend, repo, ref, before, after, pusher=pusher)
        if not ref.startswith("refs/heads/") or after == ZERO_SHA:
            continue
        branch = ref.removeprefix("refs/heads/")
        for issue in repo.pulls():
            pull = issue.pull
            assert pull is not None
            if issue.state == "open" and pull.head_ref == branch and pull.head_sha != after:
                previous = pull.head_sha
                pull.head_sha = after
                repo.git.update_ref(f"refs/pull/{issue.number}/head", after)
                touch(issue)
                events.pull_request_event(backend, repo, issue, "synchronize", pusher, before=previous, after=after)


def commit_and_push(
    backend: Backend,
    repo: Repo,
    branch: str,
    files: dict[str, str | bytes | None],
    *,
    message: str,
    author: User,
    committer: Identity | None = None,
    parent: str | None = None,
) -> str:
    """Commit `files` on `branch` (created from `parent` or the default branch) as if pushed by `author`."""
    ref = f"refs/heads/{branch}"
    before = repo.git.rev(ref)
    start = parent or before or repo.git.rev(f"refs/heads/{repo.default_branch}")
    identity = identity_of(author)
    sha = repo.git.commit_files(ref, start, files, message=message, author=identity, committer=committer or identity)
    apply_ref_updates(backend, repo, [(ref, before or ZERO_SHA, sha)], author)
    return sha


def open_pull(
    backend: Backend,
    repo: Repo,
    head: str,
    base: str,
    *,
    title: str,
    body: str | None,
    actor: User,
    draft: bool = False,
) -> Issue:
    head = head.split(":", 1)[-1]
    head_sha = repo.git.rev(f"refs/heads/{head}")
    base_sha = repo.git.rev(f"refs/heads/{base}")
    if not title:
        raise validation_failed("PullRequest", "title", "missing_field")
    if head_sha is None:
        raise validation_failed("PullRequest", "head", "invalid")
    if base_sha is None:
        raise validation_failed("PullRequest", "base", "invalid")
    for issue in repo.pulls():
        assert issue.pull is not None
        if issue.state == "open" and issue.pull.head_ref == head and issue.pull.base_ref == base:
            raise validation_failed(
                "PullRequest", "head", "custom", f"A pull request already exists for {repo.owner.login}:{head}."
            )
    if repo.git.is_ancestor(head_sha, base_sha):
        raise validation_failed("PullRequest", "head", "custom", f"No commits between {base} and {head}")
    st = backend.state
    number = max(repo.issues, default=0) + 1
    issue = Issue(id=st.next_id(), number=number, title=title, body=body, user=actor, pull_id=st.next_id())
    issue.pull = PullRequest(head_ref=head, head_sha=head_sha, base_ref=base, base_sha=base_sha, draft=draft)
    repo.issues[number] = issue
    repo.git.update_ref(f"refs/pull/{number}/head", head_sha)
    events.pull_request_event(backend, repo, issue, "opened", actor)
    return issue


def change_base(backend: Backend, repo: Repo, issue: Issue, base: str, actor: User) -> None:
    pull = issue.pull
    assert pull is not None
    if base == pull.base_ref:
        return
    base_sha = repo.git.rev(f"refs/heads/{base}")
    if base_sha is None:
        raise validation_failed("PullRequest", "base", "invalid", f"Proposed base branch '{base}' was not found")
    previous = {"ref": {"from": pull.base_ref}, "sha": {"from": pull.base_sha}}
    pull.base_ref, pull.base_sha = base, base_sha
    touch(issue)
    events.pull_request_event(backend, repo, issue, "edited", actor, changes={"base": previous})


def set_draft(backend: Backend, repo: Repo, issue: Issue, draft: bool, actor: User) -> None:
    pull = issue.pull
    assert pull is not None
    if pull.draft == draft:
        return
    pull.draft = draft
    touch(issue)
    events.pull_request_event(backend, repo, issue, "converted_to_draft" if draft else "ready_for_review", actor)


def _merged_commit(repo: Repo, issue: Issue, method: str, *, title: str, message: str, actor: User) -> str:
    pull = issue.pull
    assert pull is not None
    base_sha = repo.git.rev(f"refs/heads/{pull.base_ref}")
    assert base_sha is not None
    tree = repo.git.merge_tree(base_sha, pull.head_sha)
    if tree is None:
        raise ApiError(405, "Pull Request is not mergeable")
    full_message = f"{title}\n\n{message}".rstrip("\n")
    if method == "merge":
        return repo.git.commit_tree(
            tree, [base_sha, pull.head_sha], full_message, identity_of(actor), WEB_FLOW_IDENTITY
        )
    if method == "rebase" and repo.git.is_ancestor(base_sha, pull.head_sha):
        current = base_sha
        for info in repo.git.commits_between(base_sha, pull.head_sha):
            current = repo.git.commit_tree(info.tree, [current], info.message, info.author, WEB_FLOW_IDENTITY)
        return current
    return repo.git.commit_tree(tree, [base_sha], full_message, identity_of(issue.user), WEB_FLOW_IDENTITY)


def merge_pull(
    backend: Backend,
    repo: Repo,
    issue: Issue,
    actor: User,
    method: str = "merge",
    *,
    sha: str | None = None,
    commit_title: str | None = None,
    commit_message: str | None = None,
) -> str:
    """Merge like `PUT /pulls/{n}/merge`: write the commit, move the base, close the PR, send events."""
    pull = issue.pull
    assert pull is not None
    if method not in MERGE_METHOD_SETTINGS:
        raise validation_failed("PullRequest", "merge_method", "invalid")
    if not repo.settings.get(MERGE_METHOD_SETTINGS[method], True):
        raise ApiError(405, f"{method.capitalize()} merges are not allowed on this repository.")
    if pull.merged or issue.state != "open":
        raise ApiError(405, "Pull Request is not mergeable")
    if pull.draft:
        raise ApiError(405, "Pull Request is still a draft")
    if sha is not None and sha != pull.head_sha:
        raise ApiError(409, "Head branch was modified. Review and try the merge again.")
    default_title = (
        f"Merge pull request #{issue.number} from {repo.owner.login}/{pull.head_ref}"
        if method == "merge"
        else f"{issue.title} (#{issue.number})"
    )
    message = commit_message if commit_message is not None else (issue.title if method == "merge" else "")
    merged_sha = _merged_commit(repo, issue, method, title=commit_title or default_title, message=message, actor=actor)
    base_ref = f"refs/heads/{pull.base_ref}"
    before = repo.git.rev(base_ref)
    assert before is not None
    repo.git.update_ref(base_ref, merged_sha)
    pull.merged, pull.merged_at, pull.merged_by, pull.merge_commit_sha = True, now_iso(), actor, merged_sha
    pull.base_sha = before
    pull.auto_merge = None
    issue.state, issue.closed_at, issue.closed_by = "closed", pull.merged_at, actor
    touch(issue)
    events.pull_request_event(backend, repo, issue, "closed", actor)
    apply_ref_updates(backend, repo, [(base_ref, before, merged_sha)], actor)
    if repo.settings.get("delete_branch_on_merge") and pull.head_ref != repo.default_branch:
        head_ref = f"refs/heads/{pull.head_ref}"
        head_before = repo.git.rev(head_ref)
        if head_before is not None:
            repo.git.delete_ref(head_ref)
            apply_ref_updates(backend, repo, [(head_ref, head_before, ZERO_SHA)], actor)
    return merged_sha


def enable_auto_merge(backend: Backend, repo: Repo, issue: Issue, actor: User, method: str) -> None:
    pull = issue.pull
    assert pull is not None
    if not repo.settings.get("allow_auto_merge", False):
        raise ApiError(422, "Auto merge is not allowed for this repository")
    if not repo.settings.get(MERGE_METHOD_SETTINGS[method], True):
        raise ApiError(422, f"Merge method {method} is not allowed on this repository")
    if issue.state != "open":
        raise ApiError(422, "Pull request is closed")
    pull.auto_merge = AutoMerge(enabled_by=actor, merge_method=method)
    events.pull_request_event(backend, repo, issue, "auto_merge_enabled", actor, reason=None)
    maybe_auto_merge(backend, repo, issue)


def disable_auto_merge(backend: Backend, repo: Repo, issue: Issue, actor: User) -> None:
    pull = issue.pull
    assert pull is not None
    if pull.auto_merge is None:
        return
    pull.auto_merge = None
    events.pull_request_event(backend, repo, issue, "auto_merge_disabled", actor, reason=None)


def _required_checks_pass(repo: Repo, pull: PullRequest, contexts: list[str]) -> bool:
    for context in contexts:
        runs = [run for run in repo.check_runs if run.head_sha == pull.head_sha and run.name == context]
        statuses = [status for status in repo.statuses if status.sha == pull.head_sha and status.context == context]
        if runs:
            if runs[-1].conclusion not in PASSED:
                return False
        elif not statuses or statuses[-1].state != "success":
            return False
    return True


def maybe_auto_merge(backend: Backend, repo: Repo, issue: Issue) -> None:
    """Merge a PR with auto-merge on once its protected base's requirements hold (like GitHub)."""
    pull = issue.pull
    if pull is None or pull.auto_merge is None or issue.state != "open" or pull.draft:
        return
    protection = repo.protections.get(pull.base_ref)
    if protection is None:
        return
    contexts = list((protection.get("required_status_checks") or {}).get("contexts", []))
    reviews = protection.get("required_pull_request_reviews") or {}
    needed = int(reviews.get("required_approving_review_count", 0)) if reviews else 0
    latest = {review.user.id: review.state for review in pull.reviews}
    approvals = sum(1 for state in latest.values() if state == "APPROVED")
    base_sha = repo.git.rev(f"refs/heads/{pull.base_ref}")
    assert base_sha is not None
    mergeable = repo.git.merge_tree(base_sha, pull.head_sha) is not None
    if mergeable and approvals >= needed and _required_checks_pass(repo, pull, contexts):
        merge_pull(backend, repo, issue, pull.auto_merge.enabled_by, pull.auto_merge.merge_method)


def auto_merge_candidates(backend: Backend, repo: Repo, sha: str | None = None) -> None:
    """Re-check auto-merge for open PRs (at `sha`, or all) after checks, statuses or reviews change."""
    for issue in list(repo.pulls()):
        if issue.pull is not None and (sha is None or issue.pull.head_sha == sha):
            maybe_auto_merge(backend, repo, issue)
