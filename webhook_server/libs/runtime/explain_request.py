"""`/explain` without a comment: the explanation of a PR as JSON, for `GET /webhook_server/explain/...`.

It resolves the repository (config, token pool, repo-local file) and the PR as a delivery would, then asks the
PR workflow's read-only `explain_pull_request`. Nothing is written to GitHub or the ledger."""

import uuid
from collections.abc import Callable
from typing import Any

from webhook_server.libs.config import ServerConfig
from webhook_server.libs.context.github_webhook import GithubWebhook, RepositoryNotFoundInConfigError
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pipeline.delivery import Delivery, synthetic_pr_delivery
from webhook_server.libs.pipeline.services import ServerServices
from webhook_server.libs.pr.explain import explain_pull_request
from webhook_server.libs.runtime.delivery_runner import new_context
from webhook_server.utils.context import bind_context

EXPLAIN_EVENT = "explain"

__all__ = ["RepositoryNotFoundInConfigError", "explain_as_json"]


def _request_delivery(full_name: str, number: int) -> Delivery:
    owner, _, name = full_name.partition("/")
    body = {"repository": {"full_name": full_name, "name": name, "owner": {"login": owner}}, "number": number}
    return synthetic_pr_delivery(
        f"explain-{uuid.uuid4().hex[:12]}", EXPLAIN_EVENT, None, full_name, number, payload=body
    )


async def explain_as_json(
    config: Callable[[], ServerConfig], services: ServerServices, full_name: str, number: int
) -> dict[str, Any]:
    """The explanation of PR `number` of `full_name`; raises `RepositoryNotFoundInConfigError` for a repository
    the server does not serve and PyGithub's `UnknownObjectException` for a missing PR."""
    delivery = _request_delivery(full_name, number)
    ctx = new_context(delivery)
    webhook = GithubWebhook(delivery, config(), services, ctx)
    with bind_context(ctx):
        await webhook.resolve_repository()
        webhook.pull_request = await github_api_call(webhook.repository.get_pull, number)
        explanation = await explain_pull_request(webhook)
    return explanation.as_dict()
