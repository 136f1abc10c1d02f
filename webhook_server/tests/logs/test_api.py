"""The ``/logs/api`` routes over generated JSONL files: shapes, parameters, errors, export, flows, steps."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from webhook_server.libs.log_store.records import to_entry
from webhook_server.tests.logs.log_files import (
    append_records,
    day_path,
    delivery_records,
    iso,
    log_entry,
    step,
    summary,
)
from webhook_server.tests.logs.viewer_app import build_app
from webhook_server.utils.masking import SECRETS
from webhook_server.web.logs import page
from webhook_server.web.logs.runtime import LiveDeliveryLookup

T0 = datetime(2026, 1, 4, 23, 0, tzinfo=UTC)
ENTRY_KEYS = {
    "timestamp",
    "level",
    "logger_name",
    "message",
    "hook_id",
    "event_type",
    "repository",
    "pr_number",
    "github_user",
    "task_id",
    "task_type",
    "task_status",
    "token_spend",
}


def write_fixture_logs(logs_dir: Path) -> None:
    """Deliveries over two UTC days, one failed delivery, and one with a failing step."""
    for index in range(8):
        started = T0 + timedelta(minutes=20 * index)
        append_records(day_path(logs_dir, started.date()), delivery_records(f"hook-{index}", started, lines=3))
    failing_step = step(
        T0 + timedelta(hours=4), "failed", 2000, {"type": "RuntimeError", "message": "tox exploded", "traceback": "tb"}
    )
    started = T0 + timedelta(hours=4)
    records = [
        log_entry(started + timedelta(milliseconds=500), "running tox", level="DEBUG", hook_id="hook-fail"),
        log_entry(started + timedelta(seconds=1), "tox failed", level="ERROR", hook_id="hook-fail"),
        log_entry(started + timedelta(seconds=9), "outside the step", hook_id="hook-fail"),
        summary(
            "hook-fail",
            started,
            started + timedelta(seconds=10),
            status="failed",
            steps={"job:check:tox": failing_step, "webhook_routing": step(started, duration_ms=None)},
            error={"type": "RuntimeError", "message": "tox exploded", "traceback": "Traceback ..."},
        ),
        summary("hook-malformed", started, started + timedelta(seconds=11), steps={}),
    ]
    append_records(day_path(logs_dir, started.date()), records)


@asynccontextmanager
async def viewer_client(
    logs_dir: Path,
    *,
    enabled: bool = True,
    client: tuple[str, int] = ("127.0.0.1", 5555),
    live: LiveDeliveryLookup | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    app, runtime = build_app(logs_dir, log_server_enabled=enabled, live_delivery_lookup=live)
    await runtime.start()
    transport = httpx.ASGITransport(app=app, client=client)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://viewer") as http:
            yield http
    finally:
        await runtime.stop()


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "logs"
    write_fixture_logs(directory)
    return directory


@pytest.fixture
async def http(logs_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with viewer_client(logs_dir) as client:
        yield client


async def test_entries_shape_and_newest_first(http: httpx.AsyncClient) -> None:
    response = await http.get("/logs/api/entries", params={"limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "entries",
        "entries_processed",
        "filtered_count_min",
        "total_log_count_estimate",
        "limit",
        "offset",
        "is_partial_scan",
    }
    assert [entry["hook_id"] for entry in body["entries"]] == ["hook-malformed", "hook-fail"] + ["hook-fail"] * 3
    assert all(set(entry) == ENTRY_KEYS for entry in body["entries"])
    assert (body["entries_processed"], body["filtered_count_min"], body["limit"], body["offset"]) == (5, 5, 5, 0)
    assert body["is_partial_scan"] is False


async def test_total_is_the_real_record_count(logs_dir: Path) -> None:
    app, runtime = build_app(logs_dir)
    await runtime.start()
    try:
        await asyncio.wait_for(runtime.index_ready.wait(), timeout=10)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://viewer") as http:
            body = (await http.get("/logs/api/entries", params={"limit": 1})).json()
    finally:
        await runtime.stop()
    assert body["total_log_count_estimate"] == "37"


@pytest.mark.parametrize(
    ("params", "hooks"),
    [
        ({"hook_id": "hook-3", "level": "completed"}, ["hook-3"]),
        ({"level": "ERROR"}, ["hook-fail"]),
        (
            {"level": "error,Completed", "start_time": "2026-01-05T03:00:00"},
            ["hook-malformed", "hook-fail", "hook-fail"],
        ),
        ({"repository": "org/repo", "level": "COMPLETED", "end_time": "2026-01-04T23:30:00Z"}, ["hook-1", "hook-0"]),
        ({"search": "STEP 2 FOR HOOK-7"}, ["hook-7"]),
        ({"github_user": "bot-user", "pr_number": 7, "event_type": "pull_request", "limit": 1}, ["hook-malformed"]),
        ({"min_level": "error"}, ["hook-fail"]),
    ],
    ids=[
        "hook-and-level",
        "level",
        "level-list-and-naive-start",
        "full-name-and-end",
        "search",
        "identity",
        "min-level",
    ],
)
async def test_entry_filters(http: httpx.AsyncClient, params: dict[str, Any], hooks: list[str]) -> None:
    response = await http.get("/logs/api/entries", params=params)
    assert response.status_code == 200, response.text
    assert [entry["hook_id"] for entry in response.json()["entries"]] == hooks


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({"level": "LOUD"}, 400, "Invalid level: LOUD"),
        ({"start_time": "soon"}, 400, "Invalid start_time format: soon"),
        ({"end_time": "2026-13-01"}, 400, "Invalid end_time format: 2026-13-01"),
        ({"limit": 0}, 422, None),
        ({"limit": 10001}, 422, None),
        ({"offset": -1}, 422, None),
        ({"pr_number": "seven"}, 422, None),
    ],
    ids=["level", "start", "end", "limit-low", "limit-high", "offset", "pr-number"],
)
async def test_invalid_parameters(
    http: httpx.AsyncClient, params: dict[str, Any], status: int, detail: str | None
) -> None:
    response = await http.get("/logs/api/entries", params=params)
    assert response.status_code == status
    if detail is not None:
        assert response.json() == {"detail": detail}


async def test_offset_pages_continue_each_other(http: httpx.AsyncClient) -> None:
    everything = (await http.get("/logs/api/entries", params={"limit": 100})).json()["entries"]
    second = (await http.get("/logs/api/entries", params={"limit": 10, "offset": 10})).json()
    assert second["entries"] == everything[10:20]
    assert second["filtered_count_min"] == 20


async def test_export_streams_the_whole_document(http: httpx.AsyncClient) -> None:
    response = await http.get("/logs/api/export", params={"level": "completed", "limit": 3, "format": "json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert re.fullmatch(r"attachment; filename=webhook_logs_\d{8}_\d{6}\.json", response.headers["content-disposition"])
    document = response.json()
    assert response.text == json.dumps(document, indent=2)
    metadata = document["export_metadata"]
    assert metadata["filters_applied"] == {"level": "completed", "limit": 3}
    assert (metadata["total_entries"], metadata["export_format"]) == (3, "json")
    assert datetime.fromisoformat(metadata["generated_at"]).utcoffset() == timedelta(0)
    assert [entry["hook_id"] for entry in document["log_entries"]] == ["hook-malformed", "hook-fail", "hook-7"]


async def test_export_of_nothing_is_valid(http: httpx.AsyncClient) -> None:
    response = await http.get("/logs/api/export", params={"hook_id": "nope"})
    assert response.json()["log_entries"] == []
    assert response.text == json.dumps(response.json(), indent=2)


@pytest.mark.parametrize(
    ("params", "status"),
    [({"limit": 50001}, 413), ({"limit": 100001}, 422), ({"format_type": "csv"}, 422), ({"format": "xml"}, 422)],
    ids=["too-large", "limit-out-of-range", "format-type", "format-alias"],
)
async def test_export_limits(http: httpx.AsyncClient, params: dict[str, Any], status: int) -> None:
    response = await http.get("/logs/api/export", params=params)
    assert response.status_code == status
    if status == 413:
        assert response.json() == {"detail": "Result set too large (max 50000 entries)"}


async def test_pr_flow(http: httpx.AsyncClient) -> None:
    flow = (await http.get("/logs/api/pr-flow/hook-hook-2")).json()
    assert flow["identifier"] == "hook-hook-2"
    assert [stage["name"] for stage in flow["stages"]][:1] == ["Webhook Received"]
    assert (flow["total_duration_ms"], flow["success"]) == (3000, True)
    by_pr = await http.get("/logs/api/pr-flow/pr-7")
    assert by_pr.status_code == 200
    assert (await http.get("/logs/api/pr-flow/pr-x")).status_code == 400
    missing = await http.get("/logs/api/pr-flow/hook-unknown")
    assert (missing.status_code, missing.json()) == (404, {"detail": "No data found for hook_id: hook-unknown"})


async def test_workflow_steps(http: httpx.AsyncClient) -> None:
    body = (await http.get("/logs/api/workflow-steps/hook-fail")).json()
    assert (body["hook_id"], body["success"], body["step_count"], body["total_duration_ms"]) == (
        "hook-fail",
        False,
        2,
        10000,
    )
    assert body["error"]["message"] == "tox exploded"
    assert body["pr"] == {"number": 7, "title": "Add feature", "author": "alice"}
    tox = next(item for item in body["steps"] if item["step_name"] == "job:check:tox")
    assert (tox["level"], tox["message"], tox["task_id"]) == (
        "ERROR",
        "job:check:tox: failed - tox exploded",
        "job:check:tox",
    )
    missing = await http.get("/logs/api/workflow-steps/nope")
    assert (missing.status_code, missing.json()) == (404, {"detail": "No data found for hook ID: nope"})
    malformed = await http.get("/logs/api/workflow-steps/hook-malformed")
    assert (malformed.status_code, malformed.json()) == (500, {"detail": "Malformed log entry"})


async def test_step_logs_use_the_step_window_and_hook(http: httpx.AsyncClient) -> None:
    body = (await http.get("/logs/api/step-logs/hook-fail/job:check:tox")).json()
    assert body["step"]["name"] == "job:check:tox"
    assert [entry["message"] for entry in body["logs"]] == ["running tox", "tox failed"]
    assert body["log_count"] == 2
    no_duration = (await http.get("/logs/api/step-logs/hook-fail/webhook_routing")).json()
    assert no_duration["log_count"] == 3  # 60 s window


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/logs/api/step-logs/nope/x", 404, "No JSON log entry found for hook ID: nope"),
        ("/logs/api/step-logs/hook-fail/unknown", 404, "Step 'unknown' not found for hook ID: hook-fail"),
        ("/logs/api/step-logs/hook-malformed/x", 500, "Malformed log entry"),
        (f"/logs/api/step-logs/{'h' * 101}/x", 422, None),
    ],
    ids=["no-summary", "no-step", "malformed", "too-long"],
)
async def test_step_log_errors(http: httpx.AsyncClient, path: str, status: int, detail: str | None) -> None:
    response = await http.get(path)
    assert response.status_code == status
    if detail is not None:
        assert response.json() == {"detail": detail}


@pytest.mark.parametrize(
    ("client", "status", "detail"),
    [
        (("10.1.2.3", 1), 200, None),
        (("169.254.0.9", 1), 200, None),
        (("8.8.8.8", 1), 403, "Access denied: Log viewer is only accessible from trusted networks."),
        (("not-an-ip", 1), 403, "Access denied: Invalid client IP address format."),
    ],
    ids=["private", "link-local", "public", "garbage"],
)
async def test_step_logs_trusted_network_gate(
    logs_dir: Path, client: tuple[str, int], status: int, detail: str | None
) -> None:
    async with viewer_client(logs_dir, client=client) as http:
        response = await http.get("/logs/api/step-logs/hook-fail/job:check:tox")
        other = await http.get("/logs/api/workflow-steps/hook-fail")
    assert response.status_code == status
    assert other.status_code == 200
    if detail:
        assert response.json() == {"detail": detail}


async def test_in_progress_delivery_is_served_live(logs_dir: Path) -> None:
    live_record = summary("running-1", T0, T0, steps={"repo_fetch": step(T0, "started", None)})
    live_record["timing"] = {"started_at": iso(T0), "completed_at": None, "duration_ms": None}
    lookups: dict[str, Mapping[str, Any]] = {"running-1": live_record}
    async with viewer_client(logs_dir, live=lookups.get) as http:
        body = (await http.get("/logs/api/workflow-steps/running-1")).json()
    assert body["success"] is None
    assert body["steps"][0]["task_status"] == "started"


async def test_disabled_viewer(logs_dir: Path) -> None:
    async with viewer_client(logs_dir, enabled=False) as http:
        for path in ("/logs/api/entries", "/logs/api/export", "/logs/api/workflow-steps/x", "/logs/api/pr-flow/x"):
            response = await http.get(path)
            assert response.status_code == 404
            assert response.json() == {"detail": "Log server is disabled. Set ENABLE_LOG_SERVER=true to enable."}
        assert (await http.get("/logs")).json() == {"detail": "Not Found"}


async def test_page_and_static_assets(http: httpx.AsyncClient) -> None:
    html = (await http.get("/logs")).text
    assert "<title>GitHub Webhook Server - Log Viewer</title>" in html
    assert 'placeholder="repo or org/repo"' in html
    css = await http.get("/static/css/log_viewer.css")
    js = await http.get("/static/js/log_viewer.js")
    assert (css.status_code, js.status_code) == (200, 200)
    assert "innerHTML" not in js.text


def test_template_fallback(tmp_path: Path) -> None:
    assert "Log Viewer Template Error" in page.read_page(tmp_path / "missing.html")
    assert "Refresh" in page.read_page(tmp_path / "missing.html")


async def test_missing_log_directory_is_empty_not_an_error(tmp_path: Path) -> None:
    async with viewer_client(tmp_path / "absent") as http:
        body = (await http.get("/logs/api/entries")).json()
    assert (body["entries"], body["total_log_count_estimate"]) == ([], "0")


async def test_responses_mask_known_secrets(tmp_path: Path) -> None:
    secret = "s3cr3t-value-for-viewer-test"
    append_records(day_path(tmp_path, T0.date()), [log_entry(T0, f"leaked {secret} here", hook_id="h")])
    SECRETS.add(secret)
    async with viewer_client(tmp_path) as http:
        body = (await http.get("/logs/api/entries")).json()
    assert body["entries"][0]["message"] == "leaked ***** here"


async def test_unreadable_log_file_gives_500(tmp_path: Path) -> None:
    day_path(tmp_path, T0.date()).mkdir(parents=True)  # a directory where a day file should be
    async with viewer_client(tmp_path) as http:
        response = await http.get("/logs/api/entries")
    assert (response.status_code, response.json()) == (500, {"detail": "Error accessing log files"})


def test_entry_keys_match_the_record_mapping() -> None:
    assert set(to_entry(log_entry(T0, "x"))) == ENTRY_KEYS
