"""Every Prometheus metric of the server (logging-and-viewer.md §10), in one dedicated registry.

Other modules import the metric objects and update them; ``GET /metrics`` renders ``METRICS_REGISTRY``.
Gauges that mirror a state elsewhere (queue depth, oldest pending delivery) can be refreshed right
before each scrape through ``add_scrape_refresher``. No metric has a repository or PR label.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

LOGGER = logging.getLogger(__name__)
METRICS_REGISTRY = CollectorRegistry(auto_describe=True)

DELIVERY_OUTCOMES = ("success", "partial", "failed", "skipped", "superseded", "duplicate")
JOB_OUTCOMES = ("success", "failure", "timed_out", "cancelled")
RETRY_REASONS = ("server_error", "connection", "rate_limit", "failover")
_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)

DELIVERIES_TOTAL = Counter(
    "webhook_server_deliveries_total",
    "Finished deliveries by event and outcome.",
    ["event", "outcome"],
    registry=METRICS_REGISTRY,
)
REQUESTS_REJECTED_TOTAL = Counter(
    "webhook_server_requests_rejected_total",
    "Webhook requests refused at intake, by HTTP status.",
    ["status"],
    registry=METRICS_REGISTRY,
)
DELIVERY_DURATION_SECONDS = Histogram(
    "webhook_server_delivery_duration_seconds",
    "Time from receipt to finalisation of a delivery.",
    ["event"],
    buckets=_DURATION_BUCKETS,
    registry=METRICS_REGISTRY,
)
DELIVERY_PROCESSING_SECONDS = Histogram(
    "webhook_server_delivery_processing_seconds",
    "Time from the start of a delivery's lane phase to finalisation.",
    ["event"],
    buckets=_DURATION_BUCKETS,
    registry=METRICS_REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "webhook_server_queue_depth",
    "Deliveries queued in the ledger and not yet started.",
    registry=METRICS_REGISTRY,
)
QUEUE_OLDEST_PENDING_AGE_SECONDS = Gauge(
    "webhook_server_queue_oldest_pending_age_seconds",
    "Age of the oldest delivery that is queued and not yet started (0 when none).",
    registry=METRICS_REGISTRY,
)
DELIVERIES_IN_PROGRESS = Gauge(
    "webhook_server_deliveries_in_progress",
    "Deliveries currently being processed.",
    registry=METRICS_REGISTRY,
)
JOBS_QUEUED = Gauge("webhook_server_jobs_queued", "Jobs waiting for a slot.", registry=METRICS_REGISTRY)
JOBS_RUNNING = Gauge("webhook_server_jobs_running", "Jobs running now.", registry=METRICS_REGISTRY)
JOBS_RUNNING_BY_KIND = Gauge(
    "webhook_server_jobs_running_by_kind",
    "Jobs running now, by kind (check, container, cherry-pick, ai, test-oracle).",
    ["kind"],
    registry=METRICS_REGISTRY,
)
JOBS_TOTAL = Counter(
    "webhook_server_jobs_total",
    "Finished jobs by kind and outcome.",
    ["kind", "outcome"],
    registry=METRICS_REGISTRY,
)
GITHUB_API_CALLS_TOTAL = Counter(
    "webhook_server_github_api_calls_total",
    "GitHub API requests by API and credential kind.",
    ["api", "credential"],
    registry=METRICS_REGISTRY,
)
GITHUB_API_RETRIES_TOTAL = Counter(
    "webhook_server_github_api_retries_total",
    "GitHub API retries by reason.",
    ["reason"],
    registry=METRICS_REGISTRY,
)
GITHUB_RATE_LIMIT_REMAINING = Gauge(
    "webhook_server_github_rate_limit_remaining",
    "Remaining GitHub API quota per API user.",
    ["api_user"],
    registry=METRICS_REGISTRY,
)
GITHUB_RATE_LIMIT_LIMIT = Gauge(
    "webhook_server_github_rate_limit_limit",
    "GitHub API quota per API user.",
    ["api_user"],
    registry=METRICS_REGISTRY,
)
BOOTSTRAP_REPOSITORIES_TOTAL = Counter(
    "webhook_server_bootstrap_repositories_total",
    "Repositories set up at startup, by result.",
    ["result"],
    registry=METRICS_REGISTRY,
)
CONFIG_RELOADS_TOTAL = Counter(
    "webhook_server_config_reloads_total",
    "Config reloads by result.",
    ["result"],
    registry=METRICS_REGISTRY,
)
# Auto-heal (issue 18): redeliveries requested for missed deliveries, and drift corrections on open PRs.
MISSED_DELIVERIES_RECOVERED_TOTAL = Counter(
    "webhook_server_missed_deliveries_recovered_total",
    "Missed deliveries GitHub was asked to send again, by hook kind (repo or app).",
    ["hook"],
    registry=METRICS_REGISTRY,
)
DRIFT_CORRECTIONS_TOTAL = Counter(
    "webhook_server_drift_corrections_total",
    "Open pull requests whose derived state (labels, checks) a reconciliation corrected.",
    registry=METRICS_REGISTRY,
)

_SCRAPE_REFRESHERS: list[Callable[[], None]] = []


def add_scrape_refresher(refresher: Callable[[], None]) -> None:
    """Run ``refresher`` before every scrape (in a worker thread), e.g. to set ``QUEUE_DEPTH``."""
    _SCRAPE_REFRESHERS.append(refresher)


def remove_scrape_refresher(refresher: Callable[[], None]) -> None:
    """Stop running ``refresher`` before scrapes."""
    _SCRAPE_REFRESHERS.remove(refresher)


def render_metrics() -> bytes:
    """Refresh the mirrored gauges, then render the registry in the Prometheus text format."""
    for refresher in list(_SCRAPE_REFRESHERS):
        try:
            refresher()
        except Exception:
            LOGGER.exception("Metrics refresher %r failed", refresher)
    return generate_latest(METRICS_REGISTRY)
