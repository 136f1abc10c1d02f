"""``/logs/ws`` against a real uvicorn server: live frames, filters, gates, close codes, disconnects."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.websockets import WebSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from webhook_server.libs.log_store.filters import EntryFilter
from webhook_server.libs.log_store.records import to_entry
from webhook_server.tests.logs.log_files import append_records, day_path, log_entry, summary
from webhook_server.tests.logs.viewer_app import RunningServer, build_app, serve_in_thread
from webhook_server.web.logs.live import LiveConnection
from webhook_server.web.viewer_auth import ViewerAuth

NOW = datetime.now(UTC)


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "logs"
    append_records(day_path(directory, NOW.date()), [log_entry(NOW, "history is not replayed", hook_id="A")])
    return directory


@pytest.fixture
def server(logs_dir: Path) -> Iterator[RunningServer]:
    app, runtime = build_app(logs_dir, auth=ViewerAuth(allowed_origins=("https://ops.example",)))
    with serve_in_thread(app, runtime) as running:
        yield running


def ws_url(server: RunningServer, query: str = "") -> str:
    return f"ws://127.0.0.1:{server.port}/logs/ws{'?' + query if query else ''}"


async def next_frame(socket: ClientConnection, timeout: float = 5) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(socket.recv(), timeout)))


async def closed_with(url: str, **options: Any) -> tuple[int, str]:
    async with connect(url, **options) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def wait_for_connections(server: RunningServer, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(server.runtime.hub.connections) != count:
        assert time.monotonic() < deadline, f"expected {count} live connections"
        await asyncio.sleep(0.02)


async def test_new_records_arrive_filtered(server: RunningServer, logs_dir: Path) -> None:
    async with connect(ws_url(server, "hook_id=A&level=info,completed")) as socket:
        await wait_for_connections(server, 1)
        append_records(
            day_path(logs_dir, NOW.date()),
            [
                log_entry(NOW, "for B", hook_id="B"),
                log_entry(NOW, "debug for A", hook_id="A", level="DEBUG"),
                log_entry(NOW, "info for A", hook_id="A", repository="repo", pr_number=4, api_user="bot"),
                summary("A", NOW, NOW + timedelta(seconds=1)),
            ],
        )
        first = await next_frame(socket)
        second = await next_frame(socket)
    assert first == to_entry(log_entry(NOW, "info for A", hook_id="A", repository="repo", pr_number=4, api_user="bot"))
    assert (second["level"], second["hook_id"], second["task_status"]) == ("COMPLETED", "A", "success")


async def test_search_and_the_next_day_file(server: RunningServer, logs_dir: Path) -> None:
    tomorrow = NOW + timedelta(days=1)
    async with connect(ws_url(server, "search=NEEDLE")) as socket:
        await wait_for_connections(server, 1)
        append_records(
            day_path(logs_dir, tomorrow.date()), [log_entry(tomorrow, "hay"), log_entry(tomorrow, "a needle")]
        )
        frame = await next_frame(socket)
    assert frame["message"] == "a needle"


async def test_partial_lines_wait_for_their_newline(server: RunningServer, logs_dir: Path) -> None:
    line = (json.dumps(log_entry(NOW, "slowly written")) + "\n").encode()
    async with connect(ws_url(server)) as socket:
        await wait_for_connections(server, 1)
        with day_path(logs_dir, NOW.date()).open("ab") as handle:
            handle.write(line[:20])
            handle.flush()
            await asyncio.sleep(0.6)
            handle.write(line[20:])
        frame = await next_frame(socket)
    assert frame["message"] == "slowly written"


@pytest.mark.parametrize(
    ("query", "headers", "reason"),
    [
        ("pr_number=seven", {}, "Invalid pr_number: seven"),
        ("level=LOUD", {}, "Invalid level: LOUD"),
        ("", {"Origin": "https://evil.example"}, "Origin not allowed"),
    ],
    ids=["bad-pr-number", "bad-level", "foreign-origin"],
)
async def test_policy_closes(server: RunningServer, query: str, headers: dict[str, str], reason: str) -> None:
    assert await closed_with(ws_url(server, query), additional_headers=headers) == (1008, reason)


@pytest.mark.parametrize(
    "origin", [None, "http://127.0.0.1:{port}", "https://ops.example"], ids=["none", "same-origin", "configured"]
)
async def test_accepted_origins(server: RunningServer, origin: str | None) -> None:
    headers = {"Origin": origin.format(port=server.port)} if origin else {}
    async with connect(ws_url(server), additional_headers=headers):
        await wait_for_connections(server, 1)


async def test_disabled_viewer_closes_1008(tmp_path: Path) -> None:
    app, runtime = build_app(tmp_path, log_server_enabled=False)
    with serve_in_thread(app, runtime) as running:
        assert await closed_with(ws_url(running)) == (1008, "Log server is disabled")


async def test_credentials_are_required_when_configured(logs_dir: Path) -> None:
    auth = ViewerAuth(basic_username="ops", basic_password="s3cret-pass")
    app, runtime = build_app(logs_dir, auth=auth)
    with serve_in_thread(app, runtime) as running:
        assert await closed_with(ws_url(running)) == (1008, "Not authenticated")
        good = {"Authorization": "Basic b3BzOnMzY3JldC1wYXNz"}
        async with connect(ws_url(running), additional_headers=good):
            await wait_for_connections(running, 1)


async def test_missing_log_directory(tmp_path: Path) -> None:
    app, runtime = build_app(tmp_path / "absent")
    with serve_in_thread(app, runtime) as running:
        async with connect(ws_url(running)) as socket:
            assert await next_frame(socket) == {"error": "Log directory not found"}
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(socket.recv(), 5)


async def test_disconnects_are_noticed_promptly(server: RunningServer) -> None:
    async with connect(ws_url(server)):
        await wait_for_connections(server, 1)
    await wait_for_connections(server, 0)


async def test_shutdown_closes_with_1001(logs_dir: Path) -> None:
    app, runtime = build_app(logs_dir)
    with serve_in_thread(app, runtime) as running:
        socket = await connect(ws_url(running))
        await wait_for_connections(running, 1)
        running.server.should_exit = True
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1001, "Server shutdown")


async def noop_receive() -> dict[str, Any]:
    return {"type": "websocket.disconnect"}


async def noop_send(_: Any) -> None:
    return None


def test_a_slow_client_loses_its_oldest_frames() -> None:
    websocket = WebSocket({"type": "websocket", "path": "/logs/ws", "headers": []}, noop_receive, noop_send)
    connection = LiveConnection(websocket, EntryFilter(), max_frames=3)
    for number in range(5):
        record = log_entry(NOW, f"frame {number}")
        connection.offer(to_entry(record), record)
    assert connection.dropped == 2
    assert [json.loads(frame)["message"] for frame in connection._frames] == ["frame 2", "frame 3", "frame 4"]
