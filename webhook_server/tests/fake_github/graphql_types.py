"""GraphQL object wrappers over the fake's state, resolved by graphql-core's default field resolver
(an attribute, or a method called with `(info, **args)`), against GitHub's real schema."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLResolveInfo

from webhook_server.tests.fake_github.serializers import node_id, repo_html_url
from webhook_server.tests.fake_github.serializers_pulls import base_tip, changed_files, mergeability, pull_of
from webhook_server.tests.fake_github.serializers_threads import review_comment_url
from webhook_server.tests.fake_github.state import CheckRun, Issue, Label, Repo, ReviewComment, ReviewThread, User

if TYPE_CHECKING:
    from webhook_server.tests.fake_github.backend import Backend

JSON = dict[str, Any]
Info = GraphQLResolveInfo[Any]
MAX_PAGE = 100


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _index(cursor: str) -> int:
    return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1])


def connection(
    info: Info,
    items: Sequence[Any],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> JSON:
    """A Relay connection over `items`, with GitHub's rule that `first` or `last` (≤ 100) is given."""
    name = info.field_name
    if first is None and last is None:
        raise GraphQLError(f"You must provide a `first` or `last` value to properly paginate the `{name}` connection.")
    for label, value in (("first", first), ("last", last)):
        if value is not None and value > MAX_PAGE:
            raise GraphQLError(
                f"Requesting {value} records on the `{name}` connection exceeds the `{label}` limit of 100 records."
            )
    start = _index(after) + 1 if after else 0
    end = _index(before) if before else len(items)
    indexes = list(range(start, min(end, len(items))))
    if first is not None:
        indexes = indexes[:first]
    if last is not None:
        indexes = indexes[-last:] if last else []
    nodes = [items[i] for i in indexes]
    return {
        "totalCount": len(items),
        "nodes": nodes,
        "edges": [{"node": items[i], "cursor": _cursor(i)} for i in indexes],
        "pageInfo": {
            "hasNextPage": bool(indexes) and indexes[-1] < min(end, len(items)) - 1,
            "hasPreviousPage": bool(indexes) and indexes[0] > 0,
            "startCursor": _cursor(indexes[0]) if indexes else None,
            "endCursor": _cursor(indexes[-1]) if indexes else None,
        },
    }


class GActor:
    def __init__(self, backend: Backend, user: User) -> None:
        self.graphql_type = "Bot" if user.type == "Bot" else "Organization" if user.type == "Organization" else "User"
        self.login = user.login.removesuffix("[bot]") if user.type == "Bot" else user.login
        self.id = node_id(self.graphql_type, user.id)
        self.databaseId = user.id
        self.url = f"{backend.state.web_base}/{user.login}"
        self.resourcePath = f"/{user.login}"
        self.name = user.name

    def avatarUrl(self, info: Info, size: int | None = None) -> str:
        return f"{self.url}.png"


class GLabel:
    graphql_type = "Label"

    def __init__(self, label: Label) -> None:
        self.id = node_id("Label", label.id)
        self.name = label.name
        self.color = label.color
        self.description = label.description
        self.isDefault = label.default


class GReviewComment:
    graphql_type = "PullRequestReviewComment"

    def __init__(self, backend: Backend, repo: Repo, thread: ReviewThread, comment: ReviewComment) -> None:
        self.id = node_id("PullRequestReviewComment", comment.id)
        self.databaseId = comment.id
        self.url = review_comment_url(backend.state, repo, comment)
        self.path = comment.path
        self.line = None if thread.is_outdated else comment.line
        self.originalLine = comment.line
        self.body = comment.body
        self.bodyText = comment.body
        self.outdated = thread.is_outdated
        self.createdAt = comment.created_at
        self.author = GActor(backend, comment.user)
        self.diffHunk = f"@@ -{comment.line or 1} +{comment.line or 1} @@"


class GReviewThread:
    graphql_type = "PullRequestReviewThread"

    def __init__(self, backend: Backend, repo: Repo, issue: Issue, thread: ReviewThread) -> None:
        self._backend, self._repo, self._issue, self._thread = backend, repo, issue, thread
        self.id = node_id("PullRequestReviewThread", thread.id)
        self.isResolved = thread.is_resolved
        self.isOutdated = thread.is_outdated
        self.isCollapsed = thread.is_resolved
        self.path = thread.path
        self.line = None if thread.is_outdated else thread.line
        self.originalLine = thread.line
        self.diffSide = "RIGHT"
        self.viewerCanResolve = not thread.is_resolved
        self.viewerCanUnresolve = thread.is_resolved

    def comments(self, info: Info, **page: Any) -> JSON:
        items = [GReviewComment(self._backend, self._repo, self._thread, c) for c in self._thread.comments]
        return connection(info, items, **page)

    def pullRequest(self, info: Info) -> GPullRequest:
        return GPullRequest(self._backend, self._repo, self._issue)


class GPullRequest:
    graphql_type = "PullRequest"

    def __init__(self, backend: Backend, repo: Repo, issue: Issue) -> None:
        pull = pull_of(issue)
        self._backend, self._repo, self._issue = backend, repo, issue
        self.id = node_id("PullRequest", issue.pull_id)
        self.databaseId = issue.pull_id
        self.number = issue.number
        self.title = issue.title
        self.body = issue.body or ""
        self.state = "MERGED" if pull.merged else issue.state.upper()
        self.closed = issue.state == "closed"
        self.merged = pull.merged
        self.isDraft = pull.draft
        self.headRefName = pull.head_ref
        self.headRefOid = pull.head_sha
        self.baseRefName = pull.base_ref
        self.baseRefOid = base_tip(repo, pull) if issue.state == "open" else pull.base_sha
        self.url = f"{repo_html_url(backend.state, repo)}/pull/{issue.number}"
        self.permalink = self.url
        self.resourcePath = f"/{repo.full_name}/pull/{issue.number}"
        self.createdAt = issue.created_at
        self.updatedAt = issue.updated_at
        self.mergedAt = pull.merged_at
        self.author = GActor(backend, issue.user)

    def mergeable(self, info: Info) -> str:
        value, _ = mergeability(self._repo, self._issue)
        return "UNKNOWN" if value is None else "MERGEABLE" if value else "CONFLICTING"

    def mergeStateStatus(self, info: Info) -> str:
        _, state = mergeability(self._repo, self._issue)
        return state.upper() if state in ("clean", "dirty", "behind", "draft", "blocked", "unstable") else "UNKNOWN"

    def autoMergeRequest(self, info: Info) -> JSON | None:
        auto = pull_of(self._issue).auto_merge
        if auto is None:
            return None
        return {
            "enabledAt": auto.enabled_at,
            "mergeMethod": auto.merge_method.upper(),
            "enabledBy": GActor(self._backend, auto.enabled_by),
            "commitHeadline": auto.commit_title,
            "commitBody": auto.commit_message,
            "authorEmail": None,
        }

    def reviewThreads(self, info: Info, **page: Any) -> JSON:
        threads = pull_of(self._issue).threads
        items = [GReviewThread(self._backend, self._repo, self._issue, thread) for thread in threads]
        return connection(info, items, **page)

    def labels(self, info: Info, **page: Any) -> JSON:
        page.pop("orderBy", None)
        return connection(info, [GLabel(label) for label in self._issue.labels], **page)

    def files(self, info: Info, **page: Any) -> JSON:
        items = [
            {"path": c.filename, "additions": c.additions, "deletions": c.deletions, "changeType": c.status.upper()}
            for c in changed_files(self._repo, self._issue)
        ]
        return connection(info, items, **page)

    def repository(self, info: Info) -> GRepository:
        return GRepository(self._backend, self._repo)


def _check_run(run: CheckRun, repo_url: str) -> JSON:
    return {
        "graphql_type": "CheckRun",
        "url": f"{repo_url}/runs/{run.id}",
        "name": run.name,
        "status": run.status.upper(),
        "conclusion": run.conclusion.upper() if run.conclusion else None,
        "databaseId": run.id,
    }


class GCheckSuite:
    graphql_type = "CheckSuite"

    def __init__(self, suite_id: int, app_id: int, runs: list[CheckRun], repo_url: str) -> None:
        self.databaseId = suite_id
        self.app = {"graphql_type": "App", "databaseId": app_id}
        self._runs = runs
        self._repo_url = repo_url

    def checkRuns(self, info: Info, filterBy: JSON | None = None, **page: Any) -> JSON:
        name = (filterBy or {}).get("checkName")
        runs = [run for run in self._runs if name is None or run.name == name]
        return connection(info, [_check_run(run, self._repo_url) for run in runs], **page)


class GCommit:
    """A commit's check suites (check runs grouped by suite) and combined status (latest per context)."""

    graphql_type = "Commit"

    def __init__(self, repo: Repo, oid: str, repo_url: str) -> None:
        self._repo = repo
        self.oid = oid
        self._repo_url = repo_url

    def checkSuites(self, info: Info, filterBy: JSON | None = None, **page: Any) -> JSON:
        suites: dict[int, list[CheckRun]] = {}
        for run in self._repo.check_runs:
            if run.head_sha == self.oid:
                suites.setdefault(run.suite_id, []).append(run)
        items = [GCheckSuite(suite_id, runs[0].app_id, runs, self._repo_url) for suite_id, runs in suites.items()]
        return connection(info, items, **page)

    def status(self, info: Info) -> JSON | None:
        latest: dict[str, Any] = {}
        for status in reversed(self._repo.statuses):
            if status.sha == self.oid:
                latest.setdefault(status.context, status)
        if not latest:
            return None
        contexts = [
            {"graphql_type": "StatusContext", "context": status.context, "state": status.state.upper()}
            for status in latest.values()
        ]
        return {"graphql_type": "Status", "contexts": contexts}


class GRef:
    graphql_type = "Ref"

    def __init__(self, repo: Repo, branch: str, admin: bool) -> None:
        self.name = branch
        self.prefix = "refs/heads/"
        self._protection = repo.protections.get(branch) if admin else None  # like REST: admins read protection

    def branchProtectionRule(self, info: Info) -> JSON | None:
        if self._protection is None:
            return None
        checks = self._protection.get("required_status_checks") or {}
        contexts = list(checks.get("contexts", []))
        return {
            "graphql_type": "BranchProtectionRule",
            "requiredStatusCheckContexts": contexts,
            "requiredStatusChecks": [{"context": context, "app": None} for context in contexts],
        }


class GRepository:
    graphql_type = "Repository"

    def __init__(self, backend: Backend, repo: Repo, *, admin: bool = False) -> None:
        self._backend, self._repo, self._admin = backend, repo, admin
        self.id = node_id("Repository", repo.id)
        self.databaseId = repo.id
        self.name = repo.name
        self.nameWithOwner = repo.full_name
        self.owner = GActor(backend, repo.owner)
        self.url = repo_html_url(backend.state, repo)
        self.isPrivate = repo.private
        self.isArchived = repo.archived
        settings = repo.settings
        self.autoMergeAllowed = bool(settings.get("allow_auto_merge", False))
        self.squashMergeAllowed = bool(settings.get("allow_squash_merge", True))
        self.mergeCommitAllowed = bool(settings.get("allow_merge_commit", True))
        self.rebaseMergeAllowed = bool(settings.get("allow_rebase_merge", True))
        self.deleteBranchOnMerge = bool(settings.get("delete_branch_on_merge", False))
        tip = repo.git.rev(f"refs/heads/{repo.default_branch}")
        target = {"oid": tip, "graphql_type": "Commit"} if tip else None
        self.defaultBranchRef = {"name": repo.default_branch, "prefix": "refs/heads/", "target": target}

    def object(self, info: Info, oid: str | None = None, expression: str | None = None) -> GCommit | None:
        sha = oid or (self._repo.git.rev(expression) if expression else None)
        return GCommit(self._repo, sha, self.url) if sha and self._repo.git.rev(sha) else None

    def ref(self, info: Info, qualifiedName: str) -> GRef | None:
        branch = qualifiedName.removeprefix("refs/heads/")
        return GRef(self._repo, branch, self._admin) if self._repo.git.rev(f"refs/heads/{branch}") else None

    def pullRequest(self, info: Info, number: int) -> GPullRequest:
        issue = self._repo.issues.get(number)
        if issue is None or issue.pull is None:
            raise GraphQLError(
                f"Could not resolve to a PullRequest with the number of {number}.", extensions={"type": "NOT_FOUND"}
            )
        return GPullRequest(self._backend, self._repo, issue)

    def pullRequests(self, info: Info, states: list[str] | None = None, **page: Any) -> JSON:
        head, base = page.pop("headRefName", None), page.pop("baseRefName", None)
        page.pop("orderBy", None)
        page.pop("labels", None)
        items = []
        for issue in sorted(self._repo.pulls(), key=lambda item: item.number):
            pull = pull_of(issue)
            state = "MERGED" if pull.merged else issue.state.upper()
            if states and state not in states:
                continue
            if (head and pull.head_ref != head) or (base and pull.base_ref != base):
                continue
            items.append(GPullRequest(self._backend, self._repo, issue))
        return connection(info, items, **page)
