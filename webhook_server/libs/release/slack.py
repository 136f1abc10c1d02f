"""Slack notifications (`release.md` §5): an async JSON POST `{"text": ...}` with a 10 s timeout.

A non-2xx answer or a transport error is logged at WARNING and never raised, so a Slack outage never
breaks the flow that wanted to notify.
"""

from __future__ import annotations

import logging

import httpx

LOGGER = logging.getLogger(__name__)

SLACK_TIMEOUT_SECONDS = 10.0


async def send_slack(webhook_url: str | None, text: str, *, timeout_seconds: float = SLACK_TIMEOUT_SECONDS) -> bool:
    """Post `text` to the Slack incoming webhook; returns whether Slack accepted it (False when unset)."""
    if not webhook_url:
        return False
    try:
        async with httpx.AsyncClient(timeout=timeout_seconds) as client:
            response = await client.post(webhook_url, json={"text": text})
    except httpx.HTTPError as error:
        LOGGER.warning("Slack notification failed: %s: %s", type(error).__name__, error)
        return False
    if not response.is_success:
        LOGGER.warning("Slack notification refused with HTTP %d: %s", response.status_code, response.text[:200])
        return False
    LOGGER.debug("Slack notification sent")
    return True
