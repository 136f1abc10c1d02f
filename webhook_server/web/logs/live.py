"""Fan-out of tailed log records to WebSocket connections, each with its filters and a bounded queue."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from webhook_server.libs.log_store.filters import EntryFilter
from webhook_server.libs.log_store.tailer import TailedRecord

LOGGER = logging.getLogger("webhook_server.log_viewer")
SEND_QUEUE_FRAMES = 1000


class LiveConnection:
    """One WebSocket client: its filter and a send queue that drops the oldest frames when full."""

    def __init__(self, websocket: WebSocket, entry_filter: EntryFilter, max_frames: int = SEND_QUEUE_FRAMES) -> None:
        self.websocket = websocket
        self.entry_filter = entry_filter
        self.max_frames = max_frames
        self.dropped = 0
        self._frames: deque[str] = deque()
        self._wakeup = asyncio.Event()

    def offer(self, entry: dict[str, Any], record: dict[str, Any]) -> None:
        """Queue ``entry`` if it matches this connection's filters."""
        if not self.entry_filter.matches(entry, record):
            return
        if len(self._frames) >= self.max_frames:
            self._frames.popleft()
            self.dropped += 1
        self._frames.append(json.dumps(entry, ensure_ascii=False))
        self._wakeup.set()

    async def send_forever(self) -> None:
        """Send queued frames as they arrive (returns only by raising when the client is gone)."""
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            if self.dropped:
                LOGGER.debug("Live log client too slow: dropped %d frames", self.dropped)
                self.dropped = 0
            while self._frames:
                await self.websocket.send_text(self._frames.popleft())

    async def receive_until_disconnect(self) -> None:
        """Read and ignore client frames, so a disconnect is noticed at once."""
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return

    async def serve(self) -> None:
        """Run until the client disconnects or sending fails."""
        sender = asyncio.create_task(self.send_forever())
        receiver = asyncio.create_task(self.receive_until_disconnect())
        done, pending = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            error = task.exception()
            if error is not None and not isinstance(error, (WebSocketDisconnect, OSError)):
                raise error


class LiveHub:
    """Every open live connection; ``publish`` is the tailer's listener."""

    def __init__(self) -> None:
        self.connections: set[LiveConnection] = set()

    def publish(self, tailed: TailedRecord) -> None:
        """Offer a tailed record to every connection."""
        if tailed.entry is None or tailed.record is None:
            return
        for connection in list(self.connections):
            connection.offer(tailed.entry, tailed.record)

    async def close_all(self, code: int, reason: str) -> None:
        """Close every connection with ``code`` and ``reason``."""
        for connection in list(self.connections):
            websocket = connection.websocket
            if websocket.application_state != WebSocketState.CONNECTED:
                continue
            try:
                await websocket.close(code=code, reason=reason)
            except (RuntimeError, OSError, WebSocketDisconnect) as error:
                LOGGER.debug("Closing a live log connection failed: %s", error)
        self.connections.clear()
