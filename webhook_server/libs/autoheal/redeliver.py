"""Missed-delivery recovery: scan the deliveries of every managed hook since a moment, and ask GitHub to
send again those that failed and never reached the ledger. The redelivered payload comes back through
the normal intake with its original delivery id, so the ledger's dedup stays the only guard.

A redelivery is asked for at most once per delivery id: the request is remembered in the ledger's
effects table. A hook whose deliveries API is refused (403, 404) is reported once per process.
"""

import logging
from collections import Counter
from datetime import datetime, timedelta

from github import GithubException

from webhook_server.libs.autoheal.hooks import ManagedHook
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.github.pages import PER_PAGE, next_page_url
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.rules.redelivery import DeliveryAttempt, redelivery_choices, window_start
from webhook_server.utils.metrics import MISSED_DELIVERIES_RECOVERED_TOTAL

LOGGER = logging.getLogger(__name__)

REDELIVERY_EFFECT_PREFIX = "auto-heal:redelivery:"
REFUSED_STATUSES = (403, 404)


def redelivery_effect_key(guid: str) -> str:
    return f"{REDELIVERY_EFFECT_PREFIX}{guid}"


async def list_attempts(hook: ManagedHook, since: datetime) -> list[DeliveryAttempt]:
    """Attempts delivered at or after `since`; pages (newest first) stop at the first older attempt."""
    attempts: list[DeliveryAttempt] = []
    url: str | None = hook.deliveries_path
    parameters: dict[str, object] | None = {"per_page": PER_PAGE}
    while url is not None:
        headers, data = await github_api_call(hook.requester.requestJsonAndCheck, "GET", url, parameters=parameters)
        page = [DeliveryAttempt.from_json(item) for item in data]
        attempts.extend(attempt for attempt in page if attempt.delivered_at >= since)
        if not page or page[-1].delivered_at < since:
            break
        url, parameters = next_page_url(headers), None  # the `next` link carries the cursor
    return attempts


class Redeliverer:
    """Scans hooks and asks for redeliveries. Remembers, per hook, when its last successful scan started
    (the next one starts there) and which refused hooks were already reported."""

    def __init__(self, ledger: Ledger, last_delivery_before_start: datetime | None) -> None:
        self.ledger = ledger
        self.last_delivery_before_start = last_delivery_before_start
        self._refused: set[str] = set()
        self._scanned_from: dict[str, datetime] = {}

    async def scan(self, hooks: list[ManagedHook], now: datetime, lookback: timedelta) -> int:
        """Scan every hook (one failing does not stop the others); returns how many redeliveries were asked
        for. A hook not scanned yet starts from the newest delivery the ledger held when the server started
        (the downtime gap begins there; deliveries arriving after the start must not hide it). A hook whose
        listing failed keeps its window start, so the next scan covers the time again."""
        requested = 0
        for hook in hooks:
            since = window_start(now, lookback, self._scanned_from.get(hook.label, self.last_delivery_before_start))
            try:
                attempts = await list_attempts(hook, since)
            except GithubException as error:
                self._listing_failed(hook, error)
                continue
            self._scanned_from[hook.label] = now
            if hook.label in self._refused:
                self._refused.discard(hook.label)
                LOGGER.info("%s: webhook deliveries can be listed again; missed deliveries are recovered", hook.label)
            requested += await self.redeliver_missed(hook, attempts)
        return requested

    async def redeliver_missed(self, hook: ManagedHook, attempts: list[DeliveryAttempt]) -> int:
        """Ask for the chosen redeliveries of one hook; log them per repository (or App)."""
        asked = [attempt for attempt in await self._choices(attempts) if await self._request(hook, attempt)]
        if asked:
            events = Counter(
                f"{attempt.event}.{attempt.action}" if attempt.action else attempt.event for attempt in asked
            )
            summary = ", ".join(f"{count} {event}" for event, count in sorted(events.items()))
            LOGGER.info("%s: asked GitHub to redeliver %d missed deliveries (%s)", hook.label, len(asked), summary)
        return len(asked)

    async def _choices(self, attempts: list[DeliveryAttempt]) -> list[DeliveryAttempt]:
        guids = {attempt.guid for attempt in attempts if not attempt.succeeded}
        known = {guid for guid in guids if await self.ledger.knows_delivery(guid)}
        requested = {guid for guid in guids if await self.ledger.effect_get(redelivery_effect_key(guid)) is not None}
        return redelivery_choices(attempts, known, requested)

    async def _request(self, hook: ManagedHook, attempt: DeliveryAttempt) -> bool:
        url = f"{hook.deliveries_path}/{attempt.attempt_id}/attempts"
        try:
            await github_api_call(hook.requester.requestJsonAndCheck, "POST", url)
        except GithubException as error:
            LOGGER.warning("%s: redelivery of %s was refused (%s)", hook.label, attempt.guid, error.status)
            return False
        await self.ledger.effect_put(redelivery_effect_key(attempt.guid), str(attempt.attempt_id))
        MISSED_DELIVERIES_RECOVERED_TOTAL.labels(hook=hook.kind).inc()
        return True

    def _listing_failed(self, hook: ManagedHook, error: GithubException) -> None:
        """A refusal (403, 404) is reported once per hook; other failures are retried next scan."""
        if error.status not in REFUSED_STATUSES:
            LOGGER.warning("%s: listing webhook deliveries failed (%s); retrying next scan", hook.label, error.status)
            return
        if hook.label in self._refused:
            LOGGER.debug("%s: webhook deliveries still refused (%s)", hook.label, error.status)
            return
        self._refused.add(hook.label)
        hint = (
            "the token needs the admin:repo_hook scope (fine-grained: Webhooks read and write)"
            if error.status == 403
            else "the hook is gone or not visible to this token; the next bootstrap recreates it"
        )
        LOGGER.warning(
            "%s: GitHub refused to list webhook deliveries (%s); deliveries missed while the server was down "
            "are not recovered for this hook: %s",
            hook.label,
            error.status,
            hint,
        )
