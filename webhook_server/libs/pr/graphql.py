"""GraphQL calls of the PR workflow (`intake.md` §8.5): unresolved review threads, and enabling or
disabling native auto-merge. Each goes through `github.graphql_client` (gql over httpx, with the same
retries, failover, pacing and counting as REST); every document here is validated against GitHub's schema
by `tests/fake_github/test_server_graphql_documents.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webhook_server.libs.github.graphql_client import graphql_request
from webhook_server.libs.rules.automerge import MergeMethod
from webhook_server.libs.rules.can_be_merged import ReviewThread

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

REVIEW_THREADS_QUERY = """
query($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes {
          isResolved
          isOutdated
          comments(first: 1) { nodes { url path line } }
        }
      }
    }
  }
}
"""

ENABLE_AUTO_MERGE = """
mutation($id: ID!, $method: PullRequestMergeMethod!) {
  enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: $method}) {
    pullRequest { number }
  }
}
"""

DISABLE_AUTO_MERGE = """
mutation($id: ID!) {
  disablePullRequestAutoMerge(input: {pullRequestId: $id}) {
    pullRequest { number }
  }
}
"""


class GraphQLResponseError(RuntimeError):
    """A GraphQL answer the server cannot use (null repository or PR, a page without a cursor)."""


async def graphql(webhook: GithubWebhook, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Run one GraphQL document as the API user and return its `data`; an `errors` member raises
    (`GithubException`, `UnknownObjectException` for a lone NOT_FOUND)."""
    return await graphql_request(webhook.github, query, variables)


def _thread_of(node: dict[str, Any]) -> ReviewThread:
    comments = node["comments"]["nodes"]
    first: dict[str, Any] = comments[0] if comments else {"path": "", "line": None, "url": ""}
    return ReviewThread(path=first["path"], line=first["line"], url=first["url"], outdated=bool(node["isOutdated"]))


async def unresolved_review_threads(webhook: GithubWebhook, number: int) -> tuple[ReviewThread, ...]:
    """Every unresolved review thread of PR `number`, outdated ones included, 100 per page."""
    owner, name = webhook.repo_context.full_name.split("/", 1)
    threads: list[ReviewThread] = []
    cursor: str | None = None
    while True:
        data = await graphql(
            webhook, REVIEW_THREADS_QUERY, {"owner": owner, "name": name, "number": number, "cursor": cursor}
        )
        repository = data.get("repository")
        pull = repository.get("pullRequest") if repository else None
        if pull is None:
            raise GraphQLResponseError(f"GraphQL returned no pull request #{number} of {owner}/{name}")
        connection = pull["reviewThreads"]
        threads.extend(_thread_of(node) for node in connection["nodes"] if not node["isResolved"])
        page = connection["pageInfo"]
        if not page["hasNextPage"]:
            return tuple(threads)
        cursor = page.get("endCursor")
        if not cursor:
            raise GraphQLResponseError("GraphQL review threads: hasNextPage without an endCursor")


async def enable_auto_merge(webhook: GithubWebhook, pull_node_id: str, method: MergeMethod) -> None:
    """`enablePullRequestAutoMerge` with the given merge method."""
    await graphql(webhook, ENABLE_AUTO_MERGE, {"id": pull_node_id, "method": method.graphql_name})


async def disable_auto_merge(webhook: GithubWebhook, pull_node_id: str) -> None:
    """`disablePullRequestAutoMerge`."""
    await graphql(webhook, DISABLE_AUTO_MERGE, {"id": pull_node_id})
