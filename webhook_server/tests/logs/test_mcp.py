"""``/mcp`` with the official MCP client over HTTP: tool list, tool calls, auth and the original client address."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp_types import CallToolResult, TextContent

from webhook_server.tests.logs.log_files import append_records, day_path, delivery_records
from webhook_server.tests.logs.viewer_app import RunningServer, build_app, serve_in_thread
from webhook_server.utils.mcp_logging import DisconnectedClientFilter
from webhook_server.web.mcp import tool_specs
from webhook_server.web.viewer_auth import ViewerAuth

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
EXPECTED_TOOLS = {
    "healthcheck",
    "get_log_entries",
    "export_logs",
    "get_pr_flow_data",
    "get_workflow_steps",
    "get_step_logs",
}


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "logs"
    append_records(day_path(directory, T0.date()), delivery_records("hook-m", T0, lines=2))
    return directory


def text_of(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


@asynccontextmanager
async def mcp_client(server: RunningServer, headers: dict[str, str] | None = None) -> AsyncIterator[Client]:
    transport = streamable_http_client(f"{server.url}/mcp", http_client=create_mcp_http_client(headers=headers))
    async with Client(transport) as client:
        yield client


@pytest.fixture
def open_server(logs_dir: Path) -> Iterator[RunningServer]:
    app, runtime = build_app(logs_dir, mcp_enabled=True)
    with serve_in_thread(app, runtime, proxy_headers=True, forwarded_allow_ips="127.0.0.1") as running:
        yield running


async def test_tools_are_the_read_only_operations(open_server: RunningServer) -> None:
    async with mcp_client(open_server) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == EXPECTED_TOOLS
    assert set(tools["get_step_logs"].input_schema["required"]) == {"hook_id", "step_name"}
    assert "search" in tools["get_log_entries"].input_schema["properties"]


async def test_tool_calls_answer_like_the_routes(open_server: RunningServer) -> None:
    async with mcp_client(open_server) as client:
        entries = await client.call_tool("get_log_entries", {"hook_id": "hook-m", "limit": 2})
        steps = await client.call_tool("get_workflow_steps", {"hook_id": "hook-m"})
        logs = await client.call_tool("get_step_logs", {"hook_id": "hook-m", "step_name": "webhook_routing"})
        missing = await client.call_tool("get_workflow_steps", {"hook_id": "nope"})
        unknown = await client.call_tool("no_such_tool", {})
    assert [entry["hook_id"] for entry in entries.structured_content["entries"]] == ["hook-m", "hook-m"]
    assert steps.structured_content["hook_id"] == "hook-m"
    assert logs.structured_content["log_count"] == 2
    assert missing.is_error
    assert json.loads(text_of(missing)) == {"detail": "No data found for hook ID: nope"}
    assert unknown.is_error


async def test_tool_calls_keep_the_original_client_address(open_server: RunningServer) -> None:
    async with mcp_client(open_server, headers={"X-Forwarded-For": "8.8.8.8"}) as client:
        denied = await client.call_tool("get_step_logs", {"hook_id": "hook-m", "step_name": "webhook_routing"})
    assert denied.is_error
    assert "only accessible from trusted networks" in text_of(denied)


async def test_credentials_guard_mcp_and_are_passed_to_tools(logs_dir: Path) -> None:
    app, runtime = build_app(logs_dir, mcp_enabled=True, auth=ViewerAuth(bearer_token="mcp-t0ken"))
    with serve_in_thread(app, runtime) as running:
        async with httpx.AsyncClient() as http:
            refused = await http.post(f"{running.url}/mcp", json={})
        async with mcp_client(running, headers={"Authorization": "Bearer mcp-t0ken"}) as client:
            result = await client.call_tool("get_log_entries", {"limit": 1})
    assert refused.status_code == 401
    assert not result.is_error


async def test_log_tools_answer_404_when_the_viewer_is_off(logs_dir: Path) -> None:
    app, runtime = build_app(logs_dir, mcp_enabled=True, log_server_enabled=False)
    with serve_in_thread(app, runtime) as running:
        async with mcp_client(running) as client:
            result = await client.call_tool("get_log_entries", {})
            health = await client.call_tool("healthcheck", {})
    assert result.is_error
    assert "Log server is disabled" in text_of(result)
    assert health.structured_content == {"status": 200, "message": "Alive"}


async def test_mcp_answers_500_when_the_library_fails(logs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mcp.server.streamable_http_manager", None)
    app, runtime = build_app(logs_dir, mcp_enabled=True)
    with serve_in_thread(app, runtime) as running:
        async with httpx.AsyncClient() as http:
            response = await http.post(f"{running.url}/mcp", json={})
    assert (response.status_code, response.json()) == (500, {"detail": "MCP server not initialized"})


def test_openapi_operations_become_tools(logs_dir: Path) -> None:
    app, _ = build_app(logs_dir)
    names = {spec.name for spec in tool_specs(app.openapi())}
    assert names == EXPECTED_TOOLS
    assert "/mcp" not in app.openapi()["paths"]


@pytest.mark.parametrize(
    ("message", "error", "kept"),
    [
        ("Error in message router", type("ClosedResourceError", (Exception,), {})(), False),
        ("Error in message router", ValueError("real"), True),
        ("Something else", None, True),
    ],
    ids=["disconnected-client", "real-error", "other-record"],
)
def test_disconnect_noise_is_dropped(message: str, error: BaseException | None, kept: bool) -> None:
    record = logging_record(message, error)
    assert DisconnectedClientFilter().filter(record) is kept


def logging_record(message: str, error: BaseException | None) -> logging.LogRecord:
    exc_info = (type(error), error, None) if error is not None else None
    return logging.LogRecord("mcp.server.streamable_http", logging.ERROR, __file__, 1, message, None, exc_info)
