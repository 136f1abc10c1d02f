"""Phase 6: create or update this server's webhook in a repository (`bootstrap.md` §5)."""

import logging

from github import GithubException

from webhook_server.libs.bootstrap.hook_plan import DesiredHook, plan_hooks
from webhook_server.libs.bootstrap.hook_records import HookRecord, HookRecords, new_record, record_confirms
from webhook_server.libs.bootstrap.model import PhaseError, RepositoryTarget, describe_github_error
from webhook_server.libs.bootstrap.rest import Json, rest_write
from webhook_server.libs.github.pages import get_all_pages

LOGGER = logging.getLogger(__name__)


def desired_hook(target: RepositoryTarget, webhook_ip: str) -> DesiredHook:
    """The hook for this repository: `webhook-ip`, the repository's `events` and the `webhook-secret`."""
    return DesiredHook(url=webhook_ip, events=target.config.events, secret=target.server.webhook_secret)


async def _list_hooks(target: RepositoryTarget) -> list[Json]:
    try:
        return await get_all_pages(target.github, f"/repos/{target.full_name}/hooks")
    except GithubException as error:
        reason = describe_github_error(error)
        LOGGER.error(
            "%s: could not list webhooks (%s); check that the token has the admin:repo_hook permission",
            target.full_name,
            reason,
        )
        raise PhaseError(f"listing hooks failed: {reason}") from error


async def _update(
    target: RepositoryTarget, hook: Json, desired: DesiredHook, records: HookRecords, record: HookRecord | None
) -> None:
    """PATCH our hook unless GitHub shows the desired config and the record proves the secret is current."""
    if desired.visible_config_matches(hook) and record_confirms(record, hook["id"], desired.secret):
        LOGGER.debug("%s: webhook %s is up to date", target.full_name, hook["id"])
        return
    body = desired.request_body(clear_secret="secret" in hook["config"])
    await rest_write(target.github, "PATCH", f"/repos/{target.full_name}/hooks/{hook['id']}", body)
    await records.put(target.full_name, new_record(hook["id"], desired.secret))
    previous_url = hook["config"].get("url")
    if previous_url != desired.url:
        LOGGER.info("%s: moved webhook %s from %s to %s", target.full_name, hook["id"], previous_url, desired.url)
    else:
        LOGGER.info("%s: updated webhook %s", target.full_name, hook["id"])


async def sync_webhook(target: RepositoryTarget, webhook_ip: str, records: HookRecords) -> None:
    """Update our hook (or create it), delete exact-URL duplicates, and warn about hooks that look stale."""
    desired = desired_hook(target, webhook_ip)
    hooks = await _list_hooks(target)
    record = await records.get(target.full_name)
    plan = plan_hooks(hooks, desired, record.hook_id if record else None)
    if plan.ours is None:
        created = await rest_write(
            target.github, "POST", f"/repos/{target.full_name}/hooks", desired.request_body(create=True)
        )
        await records.put(target.full_name, new_record(created["id"], desired.secret))
        LOGGER.info("%s: created webhook %s for %s", target.full_name, created["id"], desired.url)
    else:
        await _update(target, plan.ours, desired, records, record)
    for duplicate in plan.duplicates:
        await rest_write(target.github, "DELETE", f"/repos/{target.full_name}/hooks/{duplicate['id']}")
        LOGGER.info("%s: deleted duplicate webhook %s", target.full_name, duplicate["id"])
    for hook in plan.stale_looking:
        LOGGER.warning(
            "%s: webhook %s points at %s; it may be left over from an older webhook-ip",
            target.full_name,
            hook["id"],
            hook["config"].get("url"),
        )
