"""The auto-heal background tasks: a missed-delivery scan at startup and every `interval-minutes`, and a
drift reconciliation every `reconcile-interval-hours` and once after a scan recovered deliveries.

Both read the current config on every round, so a reload applies from the next round on. A round that
fails is logged and the next one runs as planned.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from webhook_server.libs.autoheal.hooks import managed_hooks
from webhook_server.libs.autoheal.reconcile import Reconciler
from webhook_server.libs.autoheal.redeliver import Redeliverer
from webhook_server.libs.bootstrap.model import ActiveJobCheck, RerunCheck
from webhook_server.libs.config import ServerConfig
from webhook_server.libs.config.auto_heal import auto_heal_config
from webhook_server.libs.pipeline.services import ServerServices

LOGGER = logging.getLogger(__name__)

# After a scan asked for redeliveries, the reconciliation waits this long so they arrive and are processed.
GAP_RECONCILE_DELAY_SECONDS = 120.0


class AutoHeal:
    """Owns the two loops; `scans` and `reconciliations` count finished rounds (observable by tests)."""

    def __init__(
        self,
        config: Callable[[], ServerConfig],
        services: ServerServices,
        rerun_check: RerunCheck,
        active_job: ActiveJobCheck,
        last_delivery_before_start: datetime | None,
    ) -> None:
        self._config = config
        self.services = services
        self.redeliverer = Redeliverer(services.ledger, last_delivery_before_start)
        self.reconciler = Reconciler(config, services, rerun_check, active_job)
        self.scans = 0
        self.reconciliations = 0
        self.last_round_seconds = 0.0
        self._gap = asyncio.Event()

    async def scan_once(self) -> int:
        """One scan of every managed hook (each since its previous scan, bounded by the look-back)."""
        config = self._config()
        hooks = await managed_hooks(config, self.services.access)
        requested = await self.redeliverer.scan(hooks, datetime.now(UTC), auto_heal_config(config).lookback)
        if requested:
            self._gap.set()
        return requested

    async def redelivery_loop(self) -> None:
        """A scan at startup (from the newest delivery the ledger held at start), then one per interval."""
        while True:
            settings = auto_heal_config(self._config())
            if settings.redeliver:
                try:
                    await self.scan_once()
                except Exception:  # a failed round is retried on the next one
                    LOGGER.exception("Missed-delivery scan failed")
            self.scans += 1
            await asyncio.sleep(settings.interval.total_seconds())

    async def _wait_for_round(self) -> None:
        """Until the reconcile interval elapsed or a scan recovered deliveries (then after a delay)."""
        interval = auto_heal_config(self._config()).reconcile_interval
        timeout = interval.total_seconds() if interval is not None else None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._gap.wait(), timeout)
        if self._gap.is_set():
            self._gap.clear()
            LOGGER.info("Missed deliveries were recovered; reconciling open pull requests shortly")
            await asyncio.sleep(GAP_RECONCILE_DELAY_SECONDS)

    async def reconcile_loop(self) -> None:
        while True:
            await self._wait_for_round()
            started = time.monotonic()
            try:
                corrected = await self.reconciler.reconcile_all()
            except Exception:  # a failed round is retried on the next one
                LOGGER.exception("Drift reconciliation failed")
            else:
                self.last_round_seconds = time.monotonic() - started
                LOGGER.info(
                    "Drift reconciliation done in %.1f s: %d pull requests corrected",
                    self.last_round_seconds,
                    corrected,
                )
            self.reconciliations += 1
