"""Server-side merge of PRs labelled `automerge` once `can-be-merged` passed (`pr-workflow.md` §13.1)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from github import GithubException

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.rules.automerge import MergeMethod, choose_merge_method, should_server_merge

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

STEP_NAME = "automerge"


async def allowed_merge_method(webhook: GithubWebhook) -> MergeMethod | None:
    """The first merge method the repository allows (squash, merge, rebase)."""
    repository = webhook.repository

    def read_settings() -> tuple[bool, bool, bool]:
        return repository.allow_squash_merge, repository.allow_merge_commit, repository.allow_rebase_merge

    squash, merge, rebase = await github_api_call(read_settings)
    return choose_merge_method(squash, merge, rebase)


async def merge_if_automerge(webhook: GithubWebhook, pull: PullSnapshot, evaluated_sha: str) -> bool:
    """Merge `pull` through the API when it has `automerge`, is open, not a draft, and its head is the
    evaluated SHA. A failure is logged at ERROR and recorded as a failed step. True when merged."""
    if not should_server_merge(
        pull.labels,
        is_open=pull.state == "open",
        draft=pull.draft,
        merged=pull.merged,
        head_sha=pull.head_sha,
        evaluated_sha=evaluated_sha,
    ):
        return False
    try:
        async with webhook.ctx.step(STEP_NAME) as step:
            method = await allowed_merge_method(webhook)
            if method is None:
                raise RuntimeError("the repository allows no merge method")
            step.data["merge_method"] = method.value
            url = f"/repos/{webhook.repo_context.full_name}/pulls/{pull.number}/merge"
            body = {"merge_method": method.value, "sha": evaluated_sha}
            await github_api_call(webhook.github.requester.requestJsonAndCheck, "PUT", url, input=body)
    except (GithubException, RuntimeError) as error:
        LOGGER.error("Automerge of PR #%d failed: %s", pull.number, error)
        return False
    LOGGER.info("Merged PR #%d (automerge, %s)", pull.number, method.value)
    return True
