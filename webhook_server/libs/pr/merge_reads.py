"""The `can-be-merged` inputs that live on GitHub, read in one GraphQL request (issue 21): the head SHA's check
runs (every app) and latest status per context, the base branch's required status contexts, and the
unresolved review threads. Replaces four REST/GraphQL requests; `None` (then the caller reads them over
REST) when the answer is incomplete: more than 100 suites or runs, or an error such as a token that may not
read branch protection."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from github import GithubException

from webhook_server.libs.pr.graphql import GraphQLResponseError, graphql
from webhook_server.libs.rules.can_be_merged import CheckRunState, CommitStatus, ReviewThread

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

MERGE_INPUTS_QUERY = """
query($owner: String!, $name: String!, $number: Int!, $sha: GitObjectID!, $base: String!, $threads: Boolean!) {
  repository(owner: $owner, name: $name) {
    object(oid: $sha) {
      ... on Commit {
        checkSuites(first: 100) {
          pageInfo { hasNextPage }
          nodes {
            checkRuns(first: 100) {
              pageInfo { hasNextPage }
              nodes { name status conclusion databaseId url }
            }
          }
        }
        status { contexts { context state } }
      }
    }
    ref(qualifiedName: $base) {
      branchProtectionRule { requiredStatusCheckContexts }
    }
    pullRequest(number: $number) @include(if: $threads) {
      reviewThreads(first: 100) {
        pageInfo { hasNextPage }
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

# GitHub's GraphQL status states, as the REST API spells them (`EXPECTED` is a required context not yet sent)
STATUS_STATES = {"SUCCESS": "success", "FAILURE": "failure", "ERROR": "error", "PENDING": "pending"}


class IncompleteAnswerError(Exception):
    """More items than one page holds: the caller reads them page by page over REST."""


@dataclass(frozen=True)
class MergeReads:
    """What the one request returned."""

    check_runs: tuple[CheckRunState, ...]
    statuses: tuple[CommitStatus, ...]
    required_contexts: tuple[str, ...]
    unresolved_threads: tuple[ReviewThread, ...]


async def read_merge_inputs(
    webhook: GithubWebhook, number: int, head_sha: str, base_ref: str, *, threads: bool
) -> MergeReads | None:
    """Everything above in one request; None when it must be read over REST instead."""
    owner, name = webhook.repo_context.full_name.split("/", 1)
    variables = {
        "owner": owner,
        "name": name,
        "number": number,
        "sha": head_sha,
        "base": f"refs/heads/{base_ref}",
        "threads": threads,
    }
    try:
        data = await graphql(webhook, MERGE_INPUTS_QUERY, variables)
        return _parse(data["repository"], threads=threads)
    except (GithubException, GraphQLResponseError, IncompleteAnswerError) as error:
        LOGGER.info("Reading the merge inputs in one GraphQL request failed (%s); reading them over REST", error)
        return None


def _parse(repository: dict[str, Any] | None, *, threads: bool) -> MergeReads:
    if repository is None:
        raise GraphQLResponseError("GraphQL returned no repository")
    commit = repository.get("object") or {}
    return MergeReads(
        check_runs=_check_runs(commit.get("checkSuites")),
        statuses=_statuses(commit.get("status")),
        required_contexts=_required_contexts(repository.get("ref")),
        unresolved_threads=_threads(repository.get("pullRequest")) if threads else (),
    )


def _complete(connection: dict[str, Any]) -> list[dict[str, Any]]:
    if connection["pageInfo"]["hasNextPage"]:
        raise IncompleteAnswerError("more than 100 items")
    nodes: list[dict[str, Any]] = connection["nodes"]
    return nodes


def _check_runs(suites: dict[str, Any] | None) -> tuple[CheckRunState, ...]:
    if suites is None:
        return ()
    return tuple(
        CheckRunState(
            run["name"], run["status"].lower(), (run["conclusion"] or "").lower() or None, run["databaseId"], run["url"]
        )
        for suite in _complete(suites)
        for run in _complete(suite["checkRuns"])
    )


def _statuses(status: dict[str, Any] | None) -> tuple[CommitStatus, ...]:
    """The latest status per context (GraphQL's contexts are already the latest ones; ids keep them apart)."""
    contexts = status["contexts"] if status else []
    return tuple(
        CommitStatus(item["context"], STATUS_STATES.get(item["state"], "pending"), index + 1)
        for index, item in enumerate(contexts)
    )


def _required_contexts(ref: dict[str, Any] | None) -> tuple[str, ...]:
    rule = (ref or {}).get("branchProtectionRule") or {}
    return tuple(dict.fromkeys(rule.get("requiredStatusCheckContexts") or []))


def _threads(pull: dict[str, Any] | None) -> tuple[ReviewThread, ...]:
    if pull is None:
        raise GraphQLResponseError("GraphQL returned no pull request")
    return tuple(_thread(node) for node in _complete(pull["reviewThreads"]) if not node["isResolved"])


def _thread(node: dict[str, Any]) -> ReviewThread:
    comments = node["comments"]["nodes"]
    first: dict[str, Any] = comments[0] if comments else {"path": "", "line": None, "url": ""}
    return ReviewThread(path=first["path"], line=first["line"], url=first["url"], outdated=bool(node["isOutdated"]))
