"""Runs one delivery end to end inside the dispatcher: context, pipeline, error containment, finalisation."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from webhook_server.libs.config import ServerConfig
from webhook_server.libs.delivery import Delivery
from webhook_server.libs.dispatcher import LanePhaseResult
from webhook_server.libs.github_api import GithubWebhook, RepositoryNotFoundInConfigError
from webhook_server.libs.repository_context import GithubAccess
from webhook_server.utils.context import DeliveryContext, bind_context
from webhook_server.utils.logging_setup import LoggingRuntime

LOGGER = logging.getLogger(__name__)


def new_context(delivery: Delivery) -> DeliveryContext:
    """Stage 1: the structured context, from the payload only."""
    payload = delivery.payload
    repository = payload["repository"]
    return DeliveryContext(
        hook_id=delivery.delivery_id,
        event_type=delivery.event,
        repository=repository["name"],
        repository_full_name=repository["full_name"],
        action=payload.get("action"),
        sender=(payload.get("sender") or {}).get("login"),
    )


class DeliveryRunner:
    """The dispatcher's `process` function: one delivery → one `LanePhaseResult`."""

    def __init__(self, config: Callable[[], ServerConfig], access: GithubAccess, logs: LoggingRuntime) -> None:
        self._config = config
        self._access = access
        self._logs = logs

    async def __call__(self, delivery: Delivery) -> LanePhaseResult:
        ctx = new_context(delivery)
        with bind_context(ctx):
            outcome = await self._run_pipeline(delivery, ctx)
            return self._finalise(ctx, outcome)

    async def _run_pipeline(self, delivery: Delivery, ctx: DeliveryContext) -> str:
        webhook = GithubWebhook(delivery, self._config(), self._access, ctx)
        try:
            result = await webhook.process()
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

    def _finalise(self, ctx: DeliveryContext, outcome: str) -> LanePhaseResult:
        ctx.completed_at = datetime.now(UTC)
        LOGGER.info("%s", ctx.summary_line())
        LOGGER.info("%s", ctx.completion_line(outcome))
        self._logs.write_summary(ctx)
        error = None
        if ctx.error is not None:
            error = f"{ctx.error['type']}: {ctx.error['message']}"
            if ctx.error.get("traceback"):
                error += "\n" + ctx.error["traceback"]
        return LanePhaseResult(outcome=outcome, succeeded=ctx.success, error=error)
