"""The log viewer's running parts: summary index build, the live record feed (the in-process log writer, else a
file tailer for logs another process writes), live connections, MCP session manager."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from webhook_server.libs.log_store.summary_index import LogIndex
from webhook_server.libs.log_store.tailer import LogTailer, TailedRecord
from webhook_server.libs.log_store.writer_feed import JsonlSource, WriterFeed
from webhook_server.libs.runtime.supervisor import log_unexpected_end
from webhook_server.web.logs.live import LiveHub
from webhook_server.web.viewer_auth import ViewerAuth

LOGGER = logging.getLogger("webhook_server.log_viewer")
MAX_CONCURRENT_SCANS = 4
GOING_AWAY = 1001
SHUTDOWN_REASON = "Server shutdown"

LiveDeliveryLookup = Callable[[str], Mapping[str, Any] | None]
_Result = TypeVar("_Result")


class BackgroundService(Protocol):
    """Something with an async start/stop (the MCP endpoint)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class ResolvedSummary:
    """A delivery's summary, and whether it comes from a delivery still running."""

    record: Mapping[str, Any]
    live: bool


class LogViewerRuntime:
    """Started and stopped by the app lifespan; shared by the viewer routes."""

    def __init__(
        self,
        *,
        logs_dir: Path,
        auth: ViewerAuth | None,
        log_server_enabled: bool,
        live_delivery_lookup: LiveDeliveryLookup | None = None,
        log_writer: JsonlSource | None = None,
    ) -> None:
        self.logs_dir = logs_dir
        self.auth = auth
        self.log_server_enabled = log_server_enabled
        self.live_delivery_lookup = live_delivery_lookup
        self.index = LogIndex(logs_dir)
        # Logs this process writes come straight from its writer; without one, follow the files.
        self.writer_feed = WriterFeed(log_writer) if log_writer is not None else None
        self.tailer = LogTailer(logs_dir) if log_writer is None else None
        self.hub = LiveHub()
        self.services: list[BackgroundService] = []
        self._scan_slots = asyncio.Semaphore(MAX_CONCURRENT_SCANS)
        self._tasks: list[asyncio.Task[None]] = []
        self.index_ready = asyncio.Event()

    async def start(self) -> None:
        """Follow new records from now on (the writer's, or the files' from their current end), then build the
        index."""
        for service in self.services:
            await service.start()
        if not self.log_server_enabled:
            return
        if self.writer_feed is not None:
            self.writer_feed.add_listener(self._on_tailed)
            self.writer_feed.add_reset_listener(self.index.forget_file)
            self.writer_feed.start(asyncio.get_running_loop())
        if self.tailer is not None:
            self.tailer.add_listener(self._on_tailed)
            self.tailer.add_reset_listener(self.index.forget_file)
            await asyncio.to_thread(self.tailer.prime)
            tailer = asyncio.create_task(self.tailer.run(), name="log-viewer-tailer")
            tailer.add_done_callback(log_unexpected_end)  # follows the logs until shutdown
            self._tasks.append(tailer)
        self._tasks.append(asyncio.create_task(self._build_index(), name="log-viewer-index"))

    async def stop(self) -> None:
        """Close live connections with 1001 ``Server shutdown``, then stop the background work."""
        await self.hub.close_all(GOING_AWAY, SHUTDOWN_REASON)
        if self.writer_feed is not None:
            self.writer_feed.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for service in reversed(self.services):
            await service.stop()

    async def _build_index(self) -> None:
        try:
            await asyncio.to_thread(self.index.build)
        except OSError:
            LOGGER.exception("Building the log summary index failed; lookups keep scanning")
            return
        self.index_ready.set()
        LOGGER.debug("Log summary index ready")

    def _on_tailed(self, tailed: TailedRecord) -> None:
        self.index.note_line(tailed.day_file, tailed.offset, tailed.length, tailed.record)
        self.hub.publish(tailed)

    async def offload(self, work: Callable[..., _Result], *args: Any) -> _Result:
        """Run blocking log reading in a worker thread, at most ``MAX_CONCURRENT_SCANS`` at once."""
        async with self._scan_slots:
            return await asyncio.to_thread(work, *args)

    async def resolve_summary(self, hook_id: str) -> ResolvedSummary | None:
        """The written summary of ``hook_id``, else the live one of a delivery still running, else None."""
        record = await self.offload(self.index.find_summary, hook_id)
        if record is not None:
            return ResolvedSummary(record=record, live=False)
        if self.live_delivery_lookup is not None:
            live = self.live_delivery_lookup(hook_id)
            if live is not None:
                return ResolvedSummary(record=live, live=True)
        return None
