"""`POST /graphql`: executes documents against GitHub's real schema with resolvers over the fake's state.

Queries: `repository` (pull requests, review threads, merge settings; `object(oid)` commits with check
suites and status contexts; `ref(qualifiedName)` with the branch protection rule, for admins), `node`,
`viewer`, `rateLimit`.
Mutations: enable/disable auto-merge, resolve/unresolve review threads, ready-for-review / draft,
merge. Errors look like GitHub's: `{"data": ..., "errors": [{"type", "path", "locations", "message"}]}`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, graphql_sync

from webhook_server.tests.fake_github import actions_git, events
from webhook_server.tests.fake_github.auth import bucket_for
from webhook_server.tests.fake_github.graphql_schema import github_graphql_schema
from webhook_server.tests.fake_github.graphql_types import GActor, GPullRequest, GRepository, GReviewThread, Info
from webhook_server.tests.fake_github.protocol import ApiError, Ctx, Identity, Reply
from webhook_server.tests.fake_github.serializers import decode_node_id
from webhook_server.tests.fake_github.state import Issue, Repo, ReviewThread

if TYPE_CHECKING:
    from webhook_server.tests.fake_github.backend import Backend

JSON = dict[str, Any]
ERROR_TYPES = {401: "FORBIDDEN", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "UNPROCESSABLE", 409: "UNPROCESSABLE"}


def _type_of(value: Any, info: Info, abstract_type: Any) -> str:
    return str(value["graphql_type"] if isinstance(value, dict) else value.graphql_type)


class Root:
    """Query and mutation root fields."""

    def __init__(self, backend: Backend, identity: Identity) -> None:
        self._backend = backend
        self._identity = identity

    def _repo(self, owner: str, name: str, level: str = "read") -> Repo:
        ctx = Ctx(self._backend, "POST", "/graphql", {"owner": owner, "repo": name}, {}, None, self._identity)
        try:
            return ctx.repo(level)
        except ApiError as error:
            if error.status == 404:
                raise GraphQLError(
                    f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                    extensions={"type": "NOT_FOUND"},
                ) from error
            raise

    def _pull_by_id(self, value: str, level: str) -> tuple[Repo, Issue]:
        decoded = decode_node_id(value)
        for repo in self._backend.state.repos.values():
            for issue in repo.pulls():
                if decoded == ("PullRequest", issue.pull_id):
                    return self._repo(repo.owner.login, repo.name, level), issue
        raise GraphQLError(
            f"Could not resolve to a node with the global id of '{value}'", extensions={"type": "NOT_FOUND"}
        )

    def _thread_by_id(self, value: str) -> tuple[Repo, Issue, ReviewThread]:
        decoded = decode_node_id(value)
        for repo in self._backend.state.repos.values():
            for issue in repo.pulls():
                for thread in issue.pull.threads if issue.pull else []:
                    if decoded == ("PullRequestReviewThread", thread.id):
                        return self._repo(repo.owner.login, repo.name, "triage"), issue, thread
        raise GraphQLError(
            f"Could not resolve to a node with the global id of '{value}'", extensions={"type": "NOT_FOUND"}
        )

    @property
    def _actor(self) -> Any:
        return Ctx(self._backend, "POST", "/graphql", {}, {}, None, self._identity).actor

    def repository(self, info: Info, owner: str, name: str, **_: Any) -> GRepository:
        repo = self._repo(owner, name)
        ctx = Ctx(self._backend, "POST", "/graphql", {"owner": owner, "repo": name}, {}, None, self._identity)
        return GRepository(self._backend, repo, admin=ctx.may(repo, "admin"))

    def viewer(self, info: Info) -> GActor:
        return GActor(self._backend, self._actor)

    def node(self, info: Info, id: str) -> Any:
        kind = (decode_node_id(id) or ("", 0))[0]
        if kind == "PullRequest":
            repo, issue = self._pull_by_id(id, "read")
            return GPullRequest(self._backend, repo, issue)
        if kind == "PullRequestReviewThread":
            return GReviewThread(self._backend, *self._thread_by_id(id))
        return None

    def rateLimit(self, info: Info, dryRun: bool = False) -> JSON:
        bucket = bucket_for(self._backend.state, self._identity, "graphql")
        return {
            "limit": bucket.limit,
            "remaining": bucket.remaining,
            "used": bucket.used,
            "cost": 1,
            "nodeCount": 1,
            "resetAt": _iso(bucket.reset_at),
        }

    def enablePullRequestAutoMerge(self, info: Info, input: JSON) -> JSON:
        repo, issue = self._pull_by_id(input["pullRequestId"], "write")
        if input.get("expectedHeadOid") and input["expectedHeadOid"] != (issue.pull and issue.pull.head_sha):
            raise GraphQLError("Head sha didn't match expected head sha", extensions={"type": "UNPROCESSABLE"})
        method = str(input.get("mergeMethod") or "MERGE").lower()
        actions_git.enable_auto_merge(self._backend, repo, issue, self._actor, method)
        if issue.pull is not None and issue.pull.auto_merge is not None:
            issue.pull.auto_merge.commit_title = input.get("commitHeadline")
            issue.pull.auto_merge.commit_message = input.get("commitBody")
        return self._pull_payload(input, repo, issue)

    def disablePullRequestAutoMerge(self, info: Info, input: JSON) -> JSON:
        repo, issue = self._pull_by_id(input["pullRequestId"], "write")
        actions_git.disable_auto_merge(self._backend, repo, issue, self._actor)
        return self._pull_payload(input, repo, issue)

    def markPullRequestReadyForReview(self, info: Info, input: JSON) -> JSON:
        repo, issue = self._pull_by_id(input["pullRequestId"], "write")
        actions_git.set_draft(self._backend, repo, issue, False, self._actor)
        return self._pull_payload(input, repo, issue)

    def convertPullRequestToDraft(self, info: Info, input: JSON) -> JSON:
        repo, issue = self._pull_by_id(input["pullRequestId"], "write")
        actions_git.set_draft(self._backend, repo, issue, True, self._actor)
        return self._pull_payload(input, repo, issue)

    def mergePullRequest(self, info: Info, input: JSON) -> JSON:
        repo, issue = self._pull_by_id(input["pullRequestId"], "write")
        actions_git.merge_pull(
            self._backend,
            repo,
            issue,
            self._actor,
            str(input.get("mergeMethod") or "MERGE").lower(),
            sha=input.get("expectedHeadOid"),
            commit_title=input.get("commitHeadline"),
            commit_message=input.get("commitBody"),
        )
        return self._pull_payload(input, repo, issue)

    def resolveReviewThread(self, info: Info, input: JSON) -> JSON:
        return self._set_resolved(input, True)

    def unresolveReviewThread(self, info: Info, input: JSON) -> JSON:
        return self._set_resolved(input, False)

    def _set_resolved(self, data: JSON, resolved: bool) -> JSON:
        repo, issue, thread = self._thread_by_id(data["threadId"])
        if thread.is_resolved != resolved:
            thread.is_resolved = resolved
            action = "resolved" if resolved else "unresolved"
            events.review_thread_event(self._backend, repo, issue, thread, action, sender=self._actor)
        return {
            "clientMutationId": data.get("clientMutationId"),
            "thread": GReviewThread(self._backend, repo, issue, thread),
        }

    def _pull_payload(self, data: JSON, repo: Repo, issue: Issue) -> JSON:
        return {
            "clientMutationId": data.get("clientMutationId"),
            "pullRequest": GPullRequest(self._backend, repo, issue),
            "actor": GActor(self._backend, self._actor),
        }


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error_json(error: GraphQLError) -> JSON:
    original = error.original_error
    data: JSON = {"message": error.message}
    if isinstance(original, ApiError):
        data["type"] = ERROR_TYPES.get(original.status, "UNPROCESSABLE")
        data["message"] = original.message
    elif error.extensions and "type" in error.extensions:
        data["type"] = error.extensions["type"]
    if error.path is not None:
        data["path"] = list(error.path)
    if error.locations:
        data["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return data


def execute(backend: Backend, identity: Identity, body: Any) -> Reply:
    """Answer one GraphQL request like api.github.com/graphql."""
    if identity.kind == "anonymous":
        raise ApiError(401, "This endpoint requires you to be authenticated.")
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return Reply(body={"errors": [{"message": "A query attribute must be specified and must be a string."}]})
    result = graphql_sync(
        github_graphql_schema(),
        body["query"],
        root_value=Root(backend, identity),
        variable_values=body.get("variables") or None,
        operation_name=body.get("operationName"),
        type_resolver=_type_of,
    )
    payload: JSON = {}
    if result.errors:
        payload["errors"] = [_error_json(error) for error in result.errors]
    if result.data is not None or not result.errors:
        payload["data"] = result.data
    return Reply(body=payload)
