"""Gather what `/explain` shows for the delivery's PR: the `can-be-merged` snapshot of its current head, the
origin of each config key involved, branch protection from GitHub, and who put the hold/wip/verified labels
on. Reads only: nothing here writes to GitHub (the command writes its reply; the HTTP endpoint nothing)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from github import GithubException

from webhook_server.libs.config.provenance import LOCAL_FILE, config_origins
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr.merge_check import gather_merge_snapshot, required_status_contexts
from webhook_server.libs.pr.snapshot import PullSnapshot, refresh_snapshot
from webhook_server.libs.rules.checks import (
    BUILD_CONTAINER,
    CONVENTIONAL_TITLE,
    PRE_COMMIT,
    PYTHON_MODULE_INSTALL,
    SECURITY_CHECK_NAMES,
    TOX,
    VERIFIED,
)
from webhook_server.libs.rules.commands import parse_commands
from webhook_server.libs.rules.explain import (
    CONVERSATION_KEY,
    MINIMUM_LGTM_KEY,
    REQUIRED_LABELS_KEY,
    ExplainFacts,
    Explanation,
    LabelOrigin,
    explain,
)
from webhook_server.libs.rules.labels import HOLD, WIP

if TYPE_CHECKING:
    from webhook_server.libs.config import RepositoryConfig
    from webhook_server.libs.context.github_webhook import GithubWebhook

CHECK_KEYS = {
    TOX: "tox",
    VERIFIED: "verified-job",
    BUILD_CONTAINER: "container",
    PYTHON_MODULE_INSTALL: "pypi",
    PRE_COMMIT: "pre-commit",
    CONVENTIONAL_TITLE: "conventional-title",
    **dict.fromkeys(SECURITY_CHECK_NAMES, "security-checks.mandatory"),
}
CUSTOM_CHECKS_KEY = "custom-check-runs"
EXPLAINED_LABELS = (HOLD, WIP, VERIFIED)
PAGE_SIZE = 100


def _check_keys(config: RepositoryConfig) -> dict[str, str]:
    custom = {check.name: CUSTOM_CHECKS_KEY for check in config.custom_check_runs}
    return {**CHECK_KEYS, **custom}


def _effective_values(config: RepositoryConfig) -> dict[str, Any]:
    """What the typed config holds for each explained key (the value shown for a built-in default)."""
    return {
        MINIMUM_LGTM_KEY: config.minimum_lgtm,
        REQUIRED_LABELS_KEY: list(config.can_be_merged_required_labels),
        CONVERSATION_KEY: config.conversation_resolution_required,
        "verified-job": config.verified_job,
        "pre-commit": config.pre_commit,
        "security-checks.mandatory": config.security_checks.mandatory,
    }


async def _get(webhook: GithubWebhook, url: str) -> Any:
    _, data = await github_api_call(webhook.github.requester.requestJsonAndCheck, "GET", url)
    return data


async def local_config_commit(webhook: GithubWebhook) -> str | None:
    """The last commit of the default branch that touched the repo-local file (None without the file)."""
    if webhook.local_config.document is None:
        return None
    url = f"/repos/{webhook.repo_context.full_name}/commits?path={LOCAL_FILE}&per_page=1"
    commits = await _get(webhook, url)
    return str(commits[0]["sha"]) if commits else None


async def _pages(webhook: GithubWebhook, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        batch = await _get(webhook, f"{url}?per_page={PAGE_SIZE}&page={page}")
        items.extend(batch)
        if len(batch) < PAGE_SIZE:
            return items
        page += 1


def _command_origin(label: str, comments: list[dict[str, Any]]) -> LabelOrigin | None:
    """The newest comment whose command (`/hold`, `/wip`, `/verified`, not `cancel`) put the label on."""
    for comment in reversed(comments):
        commands = parse_commands(comment.get("body"))
        if any(command.name == label and not command.is_cancel for command in commands):
            return LabelOrigin(label, comment["user"]["login"], f"`/{label}` comment {comment['html_url']}")
    return None


async def _event_origin(webhook: GithubWebhook, number: int, label: str) -> LabelOrigin | None:
    """The newest `labeled` issue event for the label; None when GitHub has no event list for it."""
    try:
        events = await _pages(webhook, f"/repos/{webhook.repo_context.full_name}/issues/{number}/events")
    except GithubException:
        return None
    for event in reversed(events):
        if event.get("event") == "labeled" and (event.get("label") or {}).get("name") == label:
            return LabelOrigin(label, (event.get("actor") or {}).get("login"), "label added on GitHub")
    return None


async def label_origins(webhook: GithubWebhook, pull: PullSnapshot) -> dict[str, LabelOrigin]:
    """Who put each of hold/wip/verified on the PR: a command comment first, else GitHub's label event."""
    present = [label for label in EXPLAINED_LABELS if label in pull.labels]
    if not present:
        return {}
    comments = await _pages(webhook, f"/repos/{webhook.repo_context.full_name}/issues/{pull.number}/comments")
    origins = {}
    for label in present:
        origin = _command_origin(label, comments) or await _event_origin(webhook, pull.number, label)
        origins[label] = origin or LabelOrigin(label, None, "no command comment or label event found")
    return origins


async def conversation_resolution_protection(webhook: GithubWebhook, base_ref: str) -> bool | None:
    """GitHub's `required_conversation_resolution` of the base branch; None when unprotected or unreadable."""
    url = f"/repos/{webhook.repo_context.full_name}/branches/{quote(base_ref, safe='')}/protection"
    try:
        protection = await _get(webhook, url)
    except GithubException as error:
        if error.status in (403, 404):
            return None
        raise
    setting = protection.get("required_conversation_resolution") or {}
    return bool(setting.get("enabled", False))


async def explain_pull_request(webhook: GithubWebhook) -> Explanation:
    """The explanation of the delivery's PR at its current head (fetched again)."""
    pull = await refresh_snapshot(webhook)
    config = webhook.repo_config
    snapshot, contexts, conversations, local_commit, origins_of_labels = await asyncio.gather(
        gather_merge_snapshot(webhook, pull),
        required_status_contexts(webhook, pull.base_ref),
        conversation_resolution_protection(webhook, pull.base_ref),
        local_config_commit(webhook),
        label_origins(webhook, pull),
    )
    check_keys = _check_keys(config)
    keys = {MINIMUM_LGTM_KEY, REQUIRED_LABELS_KEY, CONVERSATION_KEY, *check_keys.values()}
    origins = config_origins(
        webhook.config,
        webhook.repo_context.entry,
        local=webhook.local_config.document,
        local_commit=local_commit,
        keys=sorted(keys),
        defaults=_effective_values(config),
    )
    facts = ExplainFacts(
        snapshot=snapshot,
        pr_number=pull.number,
        head_sha=pull.head_sha,
        base_ref=pull.base_ref,
        config=origins,
        protection_contexts=contexts,
        check_keys=check_keys,
        label_origins=origins_of_labels,
        protection_conversation_resolution=conversations,
    )
    return explain(facts)
