"""Requests for release-flow work (cherry-pick, rebase, container build/push) recorded in the ledger's effects
table under `<kind>:<repo>#<pr>:<suffix>`; the git and registry work itself belongs to the release flow."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from webhook_server.libs.comments import pr_effect_key

if TYPE_CHECKING:
    from webhook_server.libs.github_api import GithubWebhook

LOGGER = logging.getLogger(__name__)

CHERRY_PICK_REQUEST = "cherry-pick-request"
CHERRY_PICK_RETRY_REQUEST = "cherry-pick-retry-request"
REBASE_REQUEST = "rebase-request"
CONTAINER_BUILD_REQUEST = "container-build-request"


async def record_request(webhook: GithubWebhook, kind: str, suffix: str, details: dict[str, Any]) -> str:
    """Record one request; returns its effects key."""
    key = pr_effect_key(webhook, kind, suffix)
    await webhook.services.ledger.effect_put(key, json.dumps(details, sort_keys=True))
    LOGGER.info("Recorded %s (%s); the release flow performs it", key, details)
    return key


async def recorded_request(webhook: GithubWebhook, kind: str, suffix: str) -> dict[str, Any] | None:
    """A recorded request, or None."""
    value = await webhook.services.ledger.effect_get(pr_effect_key(webhook, kind, suffix))
    if value is None:
        return None
    details: dict[str, Any] = json.loads(value)
    return details
