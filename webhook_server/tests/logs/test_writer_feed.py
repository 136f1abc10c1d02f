"""The live tail of logs this process writes comes from the log writer, not from polling the files: a logged
record reaches `/logs/ws` as it is written; a line some other process appends is not followed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from webhook_server.libs.log_store.tailer import TailedRecord
from webhook_server.libs.log_store.writer_feed import WriterFeed
from webhook_server.tests.logs.log_files import append_records, day_path, log_entry
from webhook_server.tests.logs.test_websocket import next_frame, wait_for_connections, ws_url
from webhook_server.tests.logs.viewer_app import RunningServer, build_app, serve_in_thread
from webhook_server.utils.context import DeliveryContext, bind_context
from webhook_server.utils.logging_setup import LoggingRuntime, LogSettings

LOGGER = logging.getLogger("webhook_server.tests.logs.writer_feed")


@pytest.fixture
def logging_runtime(tmp_path: Path) -> Iterator[LoggingRuntime]:
    settings = LogSettings(level="INFO", log_file="webhook-server.log", mask_sensitive_data=True)
    runtime = LoggingRuntime(tmp_path / "logs", lambda _: settings, console=False)
    runtime.start()
    yield runtime
    runtime.stop()


@pytest.fixture
def server(tmp_path: Path, logging_runtime: LoggingRuntime) -> Iterator[RunningServer]:
    (tmp_path / "logs").mkdir(exist_ok=True)
    app, runtime = build_app(tmp_path / "logs", log_writer=logging_runtime)
    with serve_in_thread(app, runtime) as running:
        yield running


def _delivery(hook_id: str) -> DeliveryContext:
    return DeliveryContext(
        hook_id=hook_id,
        event_type="pull_request",
        repository="widget",
        repository_full_name="acme/widget",
        action="opened",
        sender="alice",
    )


async def test_logged_records_stream_from_the_writer(server: RunningServer, tmp_path: Path) -> None:
    assert server.runtime.tailer is None
    async with connect(ws_url(server, "hook_id=live-1")) as socket:
        await wait_for_connections(server, 1)
        now = datetime.now(UTC)
        append_records(day_path(tmp_path / "logs", now.date()), [log_entry(now, "not followed", hook_id="live-1")])
        await asyncio.sleep(0.5)  # longer than the file tailer's poll: it would have picked the line up
        with bind_context(_delivery("live-1")):
            LOGGER.info("first from the writer")
            LOGGER.info("second from the writer")
        first = await next_frame(socket)
        second = await next_frame(socket)
    assert (first["message"], first["hook_id"]) == ("first from the writer", "live-1")
    assert second["message"] == "second from the writer"


async def test_the_index_counts_what_the_writer_reports(
    server: RunningServer, logging_runtime: LoggingRuntime, tmp_path: Path
) -> None:
    deadline = asyncio.get_running_loop().time() + 10
    while not server.runtime.index.is_ready():
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.02)
    with bind_context(_delivery("counted")):
        for number in range(3):
            LOGGER.info("line %d", number)
    logging_runtime.flush()
    lines = day_path(tmp_path / "logs", datetime.now(UTC).date()).read_bytes().count(b"\n")
    while server.runtime.index.total_records() != lines:
        assert asyncio.get_running_loop().time() < deadline, (server.runtime.index.total_records(), lines)
        await asyncio.sleep(0.02)
    assert lines >= 3


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


async def test_a_failing_listener_does_not_stop_the_others_and_stop_detaches(logging_runtime: LoggingRuntime) -> None:
    feed = WriterFeed(logging_runtime)
    seen: list[str] = []
    arrived = asyncio.Event()
    reports = _Records()
    feed_logger = logging.getLogger("webhook_server.log_viewer")  # where the feed reports a failing listener
    feed_logger.addHandler(reports)

    def broken(_: TailedRecord) -> None:
        raise RuntimeError("listener bug")

    def collect(tailed: TailedRecord) -> None:
        assert tailed.entry is not None
        seen.append(tailed.entry["message"])
        arrived.set()

    feed.add_listener(broken)
    feed.add_listener(collect)
    feed.start(asyncio.get_running_loop())
    try:
        for message in ("reaches the second listener", "and again"):
            arrived.clear()
            LOGGER.info(message)
            logging_runtime.flush()
            await asyncio.wait_for(arrived.wait(), 10)
        await asyncio.sleep(0.3)  # a report that came back through the feed would fail `broken` again
        logging_runtime.flush()
        await asyncio.sleep(0.2)
        feed.stop()
        LOGGER.info("after stop")
        logging_runtime.flush()
        await asyncio.sleep(0.2)
    finally:
        feed_logger.removeHandler(reports)
    failure = "Log tail listener failed (further failures of it are not logged)"
    assert seen[0] == "reaches the second listener"
    assert "and again" in seen
    assert [message for message in reports.messages if message.startswith("Log tail listener failed")] == [failure]
    assert [message for message in seen if message.startswith("Log tail listener failed")] in ([], [failure])
    assert "after stop" not in seen
