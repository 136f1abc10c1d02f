"""Runs one delivery end to end inside the dispatcher: context, pipeline, error containment, finalisation."""

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from webhook_server.libs.config import ServerConfig
from webhook_server.libs.context.github_webhook import GithubWebhook, RepositoryNotFoundInConfigError
from webhook_server.libs.handlers.registry import handler_for
from webhook_server.libs.pipeline.delivery import Delivery
from webhook_server.libs.pipeline.dispatcher import LanePhaseResult
from webhook_server.libs.pipeline.services import ServerServices
from webhook_server.utils.context import DeliveryContext, bind_context
from webhook_server.utils.json_body import InvalidJsonError
from webhook_server.utils.logging_setup import LoggingRuntime
from webhook_server.utils.masking import mask_text
from webhook_server.utils.metrics import DELIVERIES_TOTAL, DELIVERY_DURATION_SECONDS, DELIVERY_PROCESSING_SECONDS

LOGGER = logging.getLogger(__name__)


def new_context(delivery: Delivery) -> DeliveryContext:
    """Stage 1: the structured context, from the payload only."""
    payload = delivery.payload
    repository = payload["repository"]  # intake checked its name and full_name
    action, sender = payload.get("action"), payload.get("sender")
    login = sender.get("login") if isinstance(sender, dict) else None
    return DeliveryContext(
        hook_id=delivery.delivery_id,
        event_type=delivery.event,
        repository=repository["name"],
        repository_full_name=repository["full_name"],
        action=action if isinstance(action, str) else None,
        sender=login if isinstance(login, str) else None,
    )


def record_delivery_metrics(delivery: Delivery, ctx: DeliveryContext, outcome: str) -> None:
    """Count the finished delivery and its durations (received → finalised, lane start → finalised)."""
    label = "skipped" if outcome.startswith("skipped:") else outcome
    DELIVERIES_TOTAL.labels(event=delivery.event, outcome=label).inc()
    finished = ctx.completed_at or datetime.now(UTC)
    DELIVERY_DURATION_SECONDS.labels(event=delivery.event).observe((finished - delivery.received_at).total_seconds())
    DELIVERY_PROCESSING_SECONDS.labels(event=delivery.event).observe((finished - ctx.started_at).total_seconds())


class DeliveryRunner:
    """The dispatcher's `process` function: one delivery → one `LanePhaseResult`."""

    def __init__(self, config: Callable[[], ServerConfig], services: ServerServices, logs: LoggingRuntime) -> None:
        self._config = config
        self._services = services
        self._logs = logs
        self._live: dict[str, DeliveryContext] = {}

    def live_summary(self, hook_id: str) -> dict[str, Any] | None:
        """The summary record of a delivery still being processed, or None."""
        ctx = self._live.get(hook_id)
        return None if ctx is None else ctx.summary_record()

    async def __call__(self, delivery: Delivery) -> LanePhaseResult:
        try:
            ctx = new_context(delivery)
        except InvalidJsonError as error:
            return self._fail_unreadable(delivery, error)
        self._live[ctx.hook_id] = ctx
        webhook = GithubWebhook(delivery, self._config(), self._services, ctx)
        with bind_context(ctx):
            outcome = await self._run_pipeline(webhook)
            if not webhook.followups:
                return self._finalise(ctx, outcome, delivery)

        async def followup() -> LanePhaseResult:
            with bind_context(ctx):
                await self._run_followups(webhook)
                return self._finalise(ctx, ctx.status if outcome in ("success", "partial") else outcome, delivery)

        return LanePhaseResult(outcome=outcome, followup=followup)

    def _fail_unreadable(self, delivery: Delivery, error: InvalidJsonError) -> LanePhaseResult:
        """A body intake let through that the parser cannot read whole (`web/intake_fields.py`: a number
        out of range) fails, with the parser's message, described from the ledger's columns."""
        ctx = DeliveryContext(
            hook_id=delivery.delivery_id,
            event_type=delivery.event,
            repository=delivery.repository_full_name.rpartition("/")[2],
            repository_full_name=delivery.repository_full_name,
            action=delivery.action,
        )
        with bind_context(ctx):
            LOGGER.error("Delivery body is not readable JSON: %s", error)
            ctx.record_failure(error)
            return self._finalise(ctx, "failed", delivery)

    async def _run_followups(self, webhook: GithubWebhook) -> None:
        """Every followup runs; one failing does not stop the others (its error fails the delivery)."""
        results = await asyncio.gather(*(followup() for followup in webhook.followups), return_exceptions=True)
        for result in results:
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, Exception):
                LOGGER.error("Delivery follow-up failed: %s", result, exc_info=result)
                webhook.ctx.record_failure(result)

    async def _run_pipeline(self, webhook: GithubWebhook) -> str:
        delivery, ctx = webhook.delivery, webhook.ctx
        try:
            handler = handler_for(delivery.event)
            result = await webhook.resolve(handler.__name__ if handler else "")
            if handler is not None and not result.skipped:
                await handler(webhook).process_event()
        except RepositoryNotFoundInConfigError as error:
            LOGGER.error("%s: %s", error, delivery.repository_full_name)
            ctx.success = False
            ctx.error = {"type": type(error).__name__, "message": str(error), "traceback": ""}
            return "failed"
        except Exception as error:
            LOGGER.exception("Delivery processing failed: %s", error)
            ctx.record_failure(error)
            return "failed"
        return result.outcome if result.skipped else ctx.status

    def _finalise(self, ctx: DeliveryContext, outcome: str, delivery: Delivery) -> LanePhaseResult:
        ctx.completed_at = datetime.now(UTC)
        self._live.pop(ctx.hook_id, None)
        record_delivery_metrics(delivery, ctx, outcome)
        LOGGER.info("%s", ctx.summary_line())
        LOGGER.info("%s", ctx.completion_line(outcome))
        self._logs.write_summary(ctx)
        error = None
        if ctx.error is not None:
            error = f"{ctx.error['type']}: {ctx.error['message']}"
            if ctx.error.get("traceback"):
                error += "\n" + ctx.error["traceback"]
            error = mask_text(error, keyword_masking=True)
        return LanePhaseResult(outcome=outcome, succeeded=ctx.success, error=error)
