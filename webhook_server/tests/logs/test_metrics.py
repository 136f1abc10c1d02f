"""``GET /metrics`` renders every metric of §10 in the Prometheus text format."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from webhook_server.tests.logs.viewer_app import build_app
from webhook_server.utils import metrics

SPEC_METRICS = {
    "webhook_server_deliveries": "counter",
    "webhook_server_requests_rejected": "counter",
    "webhook_server_delivery_duration_seconds": "histogram",
    "webhook_server_delivery_processing_seconds": "histogram",
    "webhook_server_queue_depth": "gauge",
    "webhook_server_deliveries_in_progress": "gauge",
    "webhook_server_jobs_queued": "gauge",
    "webhook_server_jobs_running": "gauge",
    "webhook_server_jobs": "counter",
    "webhook_server_github_api_calls": "counter",
    "webhook_server_github_api_retries": "counter",
    "webhook_server_github_rate_limit_remaining": "gauge",
    "webhook_server_github_rate_limit_limit": "gauge",
    "webhook_server_bootstrap_repositories": "counter",
    "webhook_server_config_reloads": "counter",
}


async def scrape(tmp_path: Path) -> httpx.Response:
    app, _ = build_app(tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://server") as http:
        return await http.get("/metrics")


async def test_every_spec_metric_is_exposed(tmp_path: Path) -> None:
    response = await scrape(tmp_path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    families = {family.name: family.type for family in text_string_to_metric_families(response.text)}
    for name, kind in SPEC_METRICS.items():
        assert families.get(name) == kind, name


async def test_updates_and_refreshers_show_up(tmp_path: Path) -> None:
    metrics.DELIVERIES_TOTAL.labels(event="metrics_test_event", outcome="duplicate").inc()
    metrics.GITHUB_API_CALLS_TOTAL.labels(api="graphql", credential="app").inc(3)
    metrics.DELIVERY_DURATION_SECONDS.labels(event="metrics_test_event").observe(0.2)

    def refresh_queue() -> None:
        metrics.QUEUE_DEPTH.set(42)

    metrics.add_scrape_refresher(refresh_queue)
    try:
        text = (await scrape(tmp_path)).text
    finally:
        metrics.remove_scrape_refresher(refresh_queue)
    assert 'webhook_server_deliveries_total{event="metrics_test_event",outcome="duplicate"} 1.0' in text
    assert 'webhook_server_github_api_calls_total{api="graphql",credential="app"}' in text
    assert 'webhook_server_delivery_duration_seconds_bucket{event="metrics_test_event",le="0.25"} 1.0' in text
    assert "webhook_server_queue_depth 42.0" in text
    assert "repository=" not in text  # no repository label (event names such as `repository` may appear)


async def test_a_failing_refresher_does_not_break_the_scrape(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise RuntimeError("ledger closed")

    metrics.add_scrape_refresher(broken)
    try:
        response = await scrape(tmp_path)
    finally:
        metrics.remove_scrape_refresher(broken)
    assert response.status_code == 200
    assert "ledger closed" in caplog.text


async def test_metrics_is_excluded_from_mcp(tmp_path: Path) -> None:
    app, _ = build_app(tmp_path)
    operation = app.openapi()["paths"]["/metrics"]["get"]
    assert "mcp_exclude" in operation["tags"]
