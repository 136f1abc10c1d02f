"""The PR comment for an invalid `.github-webhook-server.yaml` (`config.md` §5): one per (PR, file blob
SHA) through the effects table, listing each problem as `.github-webhook-server.yaml: key.path: message`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from webhook_server.libs.github.repository_context import LOCAL_CONFIG_PATH
from webhook_server.libs.pr.comments import effect_once, post_comment, pr_effect_key

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

REPO_CONFIG_ERROR_EFFECT = "repo-config-error"


def repo_config_error_body(errors: Sequence[str]) -> str:
    """The comment text: what happened, what applies instead, and every problem on its own line."""
    problems = "\n".join(errors)
    return (
        f"The repository's `{LOCAL_CONFIG_PATH}` is invalid, so it is ignored and the server configuration "
        f"applies until it is fixed:\n\n```text\n{problems}\n```"
    )


def has_invalid_repo_config(webhook: GithubWebhook) -> bool:
    return bool(webhook.local_config.errors)


async def report_invalid_repo_config(webhook: GithubWebhook) -> None:
    """Post the comment once for this PR and this version of the file."""
    local = webhook.local_config
    key = pr_effect_key(webhook, REPO_CONFIG_ERROR_EFFECT, local.blob_sha or "unknown-blob")

    async def post() -> str:
        return str(await post_comment(webhook, repo_config_error_body(local.errors)))

    await effect_once(webhook, key, post)
