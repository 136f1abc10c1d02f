"""Which webhooks this server manages: the repository hooks bootstrap created (its hook records) and the
GitHub App's hook when it points at this server's `webhook-ip`."""

import logging
from dataclasses import dataclass

from github import GithubException
from github.Requester import Requester

from webhook_server.libs.bootstrap.hook_plan import normalized_url
from webhook_server.libs.bootstrap.hook_records import HookRecords
from webhook_server.libs.config import ServerConfig, repository_config
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.github.auth import TOKEN_CHOICES, TokenChoices
from webhook_server.libs.github.repository_context import GithubAccess

LOGGER = logging.getLogger(__name__)

REPOSITORY_HOOK = "repo"
APP_HOOK = "app"


@dataclass(frozen=True)
class ManagedHook:
    """One hook whose deliveries are scanned: a log label, its kind, and where its deliveries are listed."""

    label: str
    kind: str
    deliveries_path: str
    requester: Requester


async def repository_hooks(config: ServerConfig, access: GithubAccess) -> list[ManagedHook]:
    """The hook recorded for each configured repository, read with the repository's token pool."""
    records = HookRecords(config.data_dir)
    hooks = []
    for entry in config.repositories():
        record = await records.get(entry.full_name)
        if record is None:
            continue
        view = repository_config(config, entry)
        context = access.repository(entry, view.github_tokens, view.github_app_id)
        TOKEN_CHOICES.set(TokenChoices())
        await context.pooled.probe()
        path = f"/repos/{entry.full_name}/hooks/{record.hook_id}/deliveries"
        hooks.append(ManagedHook(entry.full_name, REPOSITORY_HOOK, path, context.pooled.github.requester))
    return hooks


def _app_ids(config: ServerConfig) -> set[int]:
    ids = {repository_config(config, entry).github_app_id for entry in config.repositories()}
    return {app_id for app_id in ids if app_id is not None}


async def app_hooks(config: ServerConfig, access: GithubAccess) -> list[ManagedHook]:
    """The hook of each configured App whose URL is this server's `webhook-ip` (other Apps' hooks deliver
    elsewhere, so their failures are not ours to recover)."""
    if config.webhook_ip is None:
        return []
    hooks = []
    for app_id in sorted(_app_ids(config)):
        app = access.app_for(app_id)
        assert app is not None  # an app id always gives an App
        try:
            _, hook_config = await github_api_call(app.jwt_requester.requestJsonAndCheck, "GET", "/app/hook/config")
        except GithubException as error:
            LOGGER.warning("GitHub App %d: cannot read its webhook config (%s); not scanned", app_id, error.status)
            continue
        if normalized_url(str(hook_config.get("url") or "")) != normalized_url(config.webhook_ip):
            LOGGER.debug("GitHub App %d's webhook does not point at webhook-ip; not scanned", app_id)
            continue
        hooks.append(ManagedHook(f"GitHub App {app_id}", APP_HOOK, "/app/hook/deliveries", app.jwt_requester))
    return hooks


async def managed_hooks(config: ServerConfig, access: GithubAccess) -> list[ManagedHook]:
    """Every hook whose missed deliveries this server recovers."""
    return [*await repository_hooks(config, access), *await app_hooks(config, access)]
