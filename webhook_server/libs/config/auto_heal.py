"""The typed `auto-heal` block (root only): missed-delivery recovery and drift reconciliation settings."""

from dataclasses import dataclass
from datetime import timedelta

from webhook_server.libs.config.server import ServerConfig

DEFAULT_LOOKBACK_HOURS = 24.0
DEFAULT_INTERVAL_MINUTES = 10.0
DEFAULT_RECONCILE_INTERVAL_HOURS = 6.0


@dataclass(frozen=True)
class AutoHealConfig:
    """`redeliver`: ask GitHub to send missed deliveries again; `lookback`: how far back a scan may reach;
    `interval`: time between scans; `reconcile_interval`: time between drift reconciliations (None: off)."""

    redeliver: bool
    lookback: timedelta
    interval: timedelta
    reconcile_interval: timedelta | None


def auto_heal_config(config: ServerConfig) -> AutoHealConfig:
    """The `auto-heal` block of a validated config, with its defaults."""
    block = config.raw.get("auto-heal", {})
    reconcile_hours = float(block.get("reconcile-interval-hours", DEFAULT_RECONCILE_INTERVAL_HOURS))
    return AutoHealConfig(
        redeliver=bool(block.get("redeliver", True)),
        lookback=timedelta(hours=float(block.get("lookback-hours", DEFAULT_LOOKBACK_HOURS))),
        interval=timedelta(minutes=float(block.get("interval-minutes", DEFAULT_INTERVAL_MINUTES))),
        reconcile_interval=timedelta(hours=reconcile_hours) if reconcile_hours > 0 else None,
    )
