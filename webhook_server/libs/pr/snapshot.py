"""`PullSnapshot`: an immutable copy of the pull-request fields the workflow reads, taken off the event loop."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from github.PullRequest import PullRequest

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pipeline.dispatcher import current_turn, previous_turn

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook


@dataclass(frozen=True)
class PullSnapshot:
    """What the workflow knows about one PR at one moment (head SHA, base, labels, mergeability...)."""

    number: int
    title: str
    body: str
    author: str
    draft: bool
    state: str
    merged: bool
    head_sha: str
    head_ref: str
    head_repo_full_name: str | None
    base_ref: str
    base_sha: str
    labels: frozenset[str]
    mergeable: bool | None
    mergeable_state: str | None
    html_url: str

    @property
    def is_open(self) -> bool:
        """Whether the PR is open (not closed, not merged)."""
        return self.state == "open" and not self.merged


def snapshot_of(pull: PullRequest) -> PullSnapshot:
    """Copy the fields of a fetched PyGithub PR. Blocking (lazy attributes): call it inside `github_api_call`."""
    head_repo = pull.head.repo
    return PullSnapshot(
        number=pull.number,
        title=pull.title,
        body=pull.body or "",
        author=pull.user.login,
        draft=bool(pull.draft),
        state=pull.state,
        merged=bool(pull.merged),
        head_sha=pull.head.sha,
        head_ref=pull.head.ref,
        head_repo_full_name=head_repo.full_name if head_repo is not None else None,
        base_ref=pull.base.ref,
        base_sha=pull.base.sha,
        labels=frozenset(label.name for label in pull.labels),
        mergeable=pull.mergeable,
        mergeable_state=pull.mergeable_state,
        html_url=pull.html_url,
    )


async def pull_snapshot(webhook: GithubWebhook) -> PullSnapshot:
    """The snapshot of the delivery's PR as fetched during PR resolution (no new request)."""
    assert webhook.pull_request is not None, "pull_snapshot needs a delivery with a resolved PR"
    return await github_api_call(snapshot_of, webhook.pull_request)


async def fetch_pull(webhook: GithubWebhook, number: int) -> PullRequest:
    """Fetch a PR of the delivery's repository again (fresh `mergeable`, labels and head)."""
    return await github_api_call(webhook.repository.get_pull, number)


async def lane_fresh_snapshot(webhook: GithubWebhook, labels: frozenset[str]) -> PullSnapshot:
    """The PR as the evaluation must see it: the delivery's own fetch when it was made in the lane turn just
    before this one (nothing else of the PR ran since; `labels` is the delivery's record of its own label
    changes), else fetched again (`refresh_snapshot`)."""
    fetched_in = webhook.pull_fetched_in_turn
    if fetched_in is None or fetched_in != previous_turn():
        return await refresh_snapshot(webhook)
    return replace(await pull_snapshot(webhook), labels=labels)


async def refresh_snapshot(webhook: GithubWebhook) -> PullSnapshot:
    """Re-fetch the delivery's PR, keep it on the webhook, and return its snapshot."""
    assert webhook.pull_request is not None, "refresh_snapshot needs a delivery with a resolved PR"
    webhook.pull_request = await fetch_pull(webhook, webhook.pull_request.number)
    webhook.pull_fetched_in_turn = current_turn()
    return await github_api_call(snapshot_of, webhook.pull_request)
