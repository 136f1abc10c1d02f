"""The live tail of logs this process writes: each JSONL record as the log writer reports it, no polling.

The writer calls its JSONL listeners on its own thread with the file, offset and length of every line it
appended; the feed turns that into a `TailedRecord` and hands it to its listeners on the event loop. Logs
written by another process are followed by `tailer.LogTailer` instead (it reads the files).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Protocol

from webhook_server.libs.log_store.files import parse_day_file
from webhook_server.libs.log_store.records import to_entry
from webhook_server.libs.log_store.tailer import Listener, ResetListener, TailedRecord

LOGGER = logging.getLogger("webhook_server.log_viewer")


class JsonlListener(Protocol):
    def __call__(self, path: Path, offset: int, length: int, record: dict[str, Any], /) -> None: ...


class JsonlSource(Protocol):
    """The in-process log writer (`utils.logging_setup.LoggingRuntime`)."""

    def add_jsonl_listener(self, listener: JsonlListener) -> None: ...

    def remove_jsonl_listener(self, listener: JsonlListener) -> None: ...


class WriterFeed:
    """Hands every record the writer appends to listeners on the event loop given to `start`."""

    def __init__(self, source: JsonlSource) -> None:
        self._source = source
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listeners: list[Listener] = []
        self._reset_listeners: list[ResetListener] = []
        # Listeners whose failure was logged: the log record of a failure comes back through this feed, so
        # logging every failure would feed itself forever.
        self._reported: set[int] = set()

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` for every new record."""
        self._listeners.append(listener)

    def add_reset_listener(self, listener: ResetListener) -> None:
        """Call ``listener`` when a day file starts anew (its first line, e.g. after it was deleted)."""
        self._reset_listeners.append(listener)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Listen to the writer; records reach the listeners on ``loop``."""
        self._loop = loop
        self._source.add_jsonl_listener(self._on_written)

    def stop(self) -> None:
        """Stop listening to the writer."""
        if self._loop is not None:
            self._source.remove_jsonl_listener(self._on_written)
            self._loop = None

    def _on_written(self, path: Path, offset: int, length: int, record: dict[str, Any], /) -> None:
        """On the writer thread: build the tailed record and schedule its delivery."""
        loop = self._loop
        day_file = parse_day_file(path)
        if loop is None or day_file is None:
            return
        tailed = TailedRecord(day_file, offset, length, record, to_entry(record))
        try:
            loop.call_soon_threadsafe(self._notify, tailed)
        except RuntimeError:  # the loop closed while the writer was still reporting
            LOGGER.debug("Live log record after the event loop closed: %s", path.name)

    def _notify(self, tailed: TailedRecord) -> None:
        if tailed.offset == 0:
            for reset_listener in self._reset_listeners:
                reset_listener(tailed.day_file)
        for listener in list(self._listeners):
            try:
                listener(tailed)
            except Exception:
                if id(listener) not in self._reported:
                    self._reported.add(id(listener))
                    LOGGER.exception("Log tail listener failed (further failures of it are not logged)")
