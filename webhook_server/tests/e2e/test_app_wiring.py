"""The assembled app: log viewer, metrics and their authentication wired to the live server."""

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from webhook_server.libs.github import api_call
from webhook_server.libs.github.api_call import RetryPolicy
from webhook_server.tests.e2e.harness import InProcessServer, RunningServer, server_config, write_data_dir

VIEWER_TOKEN = "viewer-secret-token"
BEARER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}


@pytest.fixture
def viewer_server(
    tmp_path: Path, throwaway_private_key: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningServer]:
    monkeypatch.setenv("ENABLE_LOG_SERVER", "true")
    config = server_config(
        "http://127.0.0.1:9",
        ["ghp_offline"],
        1,
        {"managed": {"name": "org/managed"}},
        log_viewer={"bearer-token": VIEWER_TOKEN},
    )
    write_data_dir(tmp_path / "data", config, throwaway_private_key)
    api_call.configure(policy=RetryPolicy(time_scale=0.001))
    server = InProcessServer(tmp_path / "data")
    try:
        yield server.start()
    finally:
        server.stop()
        api_call.configure(policy=RetryPolicy())


async def _workflow_steps(client: httpx.AsyncClient, delivery: str) -> httpx.Response:
    """The viewer indexes new summaries by tailing the files; give it a moment."""
    for _ in range(50):
        response = await client.get(f"/logs/api/workflow-steps/{delivery}", headers=BEARER)
        if response.status_code == 200:
            return response
        await asyncio.sleep(0.1)
    return response


async def test_viewer_routes_need_credentials_and_serve_the_delivery(viewer_server: RunningServer) -> None:
    delivery = str(uuid.uuid4())
    payload = {"action": "opened", "repository": {"name": "elsewhere", "full_name": "other/elsewhere"}}
    response = await viewer_server.post("issues", payload, delivery)
    assert response.status_code == 200  # intake never asks for viewer credentials
    await viewer_server.wait_finished(delivery)
    viewer_server.runtime.logs.flush()
    async with httpx.AsyncClient(base_url=viewer_server.base_url) as client:
        assert (await client.get("/logs")).status_code == 401
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/webhook_server/healthcheck")).status_code == 200
        page = await client.get("/logs", headers=BEARER)
        entries = await client.get("/logs/api/entries", params={"hook_id": delivery}, headers=BEARER)
        steps = await _workflow_steps(client, delivery)
        metrics = await client.get("/metrics", headers=BEARER)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    listed = entries.json()["entries"]
    assert any(entry["level"] == "COMPLETED" and entry["hook_id"] == delivery for entry in listed)
    assert "webhook_routing" in json.dumps(steps.json())
    assert 'webhook_server_deliveries_total{event="issues",outcome="skipped"}' in metrics.text
    assert (viewer_server.data_dir / "logs" / "logs_server.log").exists()


async def test_viewer_is_off_without_the_environment_flag(offline_server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=offline_server.base_url) as client:
        page = await client.get("/logs")
        api = await client.get("/logs/api/entries")
        metrics = await client.get("/metrics")
    assert page.status_code == 404
    assert api.json() == {"detail": "Log server is disabled. Set ENABLE_LOG_SERVER=true to enable."}
    assert metrics.status_code == 200
