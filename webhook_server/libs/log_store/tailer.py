"""Follow the newest JSONL day files and hand every new complete record to listeners.

One shared follower for the whole server: it watches the newest day file and the one before it
(a record finished just before midnight can land in yesterday's file after today's exists), switches
at the UTC day change, keeps a partly written line until its newline arrives, and starts a file again
from the beginning when it is truncated or replaced (rotation).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from webhook_server.libs.log_store.files import DayFile, list_day_files
from webhook_server.libs.log_store.records import parse_record, to_entry

LOGGER = logging.getLogger("webhook_server.log_viewer")
MAX_READ_PER_POLL = 4 * 1024 * 1024
_FOLLOWED_DAYS = timedelta(days=1)


@dataclass(frozen=True)
class TailedRecord:
    """A new complete line: its file, offset and length, and the parsed record and entry (if JSON)."""

    day_file: DayFile
    offset: int
    length: int
    record: dict[str, Any] | None
    entry: dict[str, Any] | None


@dataclass
class _Followed:
    """Read state of one followed file."""

    day_file: DayFile
    handle: BinaryIO
    inode: int
    position: int
    partial: bytearray = field(default_factory=bytearray)

    @property
    def partial_offset(self) -> int:
        return self.position - len(self.partial)


Listener = Callable[[TailedRecord], None]
ResetListener = Callable[[DayFile], None]


class LogTailer:
    """Polls the log directory; ``run`` hands new records to every listener on the event loop."""

    def __init__(self, logs_dir: Path, poll_interval: float = 0.25) -> None:
        self.logs_dir = logs_dir
        self.poll_interval = poll_interval
        self._followed: dict[DayFile, _Followed] = {}
        self._listeners: list[Listener] = []
        self._reset_listeners: list[ResetListener] = []

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` for every new record."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        self._listeners.remove(listener)

    def add_reset_listener(self, listener: ResetListener) -> None:
        """Call ``listener`` when a file is truncated or replaced and is read again from its start."""
        self._reset_listeners.append(listener)

    def prime(self) -> None:
        """Start at the end of the files that exist now: no history is delivered (blocking)."""
        for day_file in self._wanted_files():
            followed = self._open(day_file)
            if followed is not None:
                followed.position = _end_of_last_line(followed.handle)

    def close(self) -> None:
        """Close every followed file."""
        for followed in self._followed.values():
            followed.handle.close()
        self._followed.clear()

    def poll_once(self) -> tuple[list[TailedRecord], bool]:
        """Read what was appended since the last poll (blocking); True when a read was capped."""
        wanted = self._wanted_files()
        for day_file in [known for known in self._followed if known not in wanted]:
            self._followed.pop(day_file).handle.close()
        records: list[TailedRecord] = []
        capped = False
        for day_file in sorted(wanted):
            followed = self._followed.get(day_file) or self._open(day_file)
            if followed is not None:
                capped |= self._read_new(followed, records)
        return records, capped

    async def run(self) -> None:
        """Poll forever, handing records to the listeners; cancel the task to stop (call ``prime`` first)."""
        try:
            while True:
                try:
                    records, capped = await asyncio.to_thread(self.poll_once)
                except OSError as error:
                    LOGGER.warning("Following the JSONL logs failed: %s", error)
                    records, capped = [], False
                for tailed in records:
                    self._notify(tailed)
                if not capped:
                    await asyncio.sleep(self.poll_interval)
        finally:
            await asyncio.to_thread(self.close)

    def _notify(self, tailed: TailedRecord) -> None:
        for listener in list(self._listeners):
            try:
                listener(tailed)
            except Exception:
                LOGGER.exception("Log tail listener failed")

    def _wanted_files(self) -> list[DayFile]:
        files = list_day_files(self.logs_dir)
        if not files:
            return []
        return [day_file for day_file in files if day_file.day >= files[0].day - _FOLLOWED_DAYS]

    def _open(self, day_file: DayFile) -> _Followed | None:
        try:
            handle = day_file.path.open("rb")
        except OSError as error:
            LOGGER.debug("Cannot follow %s: %s", day_file.path, error)
            return None
        followed = _Followed(day_file=day_file, handle=handle, inode=os.fstat(handle.fileno()).st_ino, position=0)
        self._followed[day_file] = followed
        return followed

    def _read_new(self, followed: _Followed, records: list[TailedRecord]) -> bool:
        """Append the new records of one file to ``records``; True when the read was capped."""
        try:
            stat = followed.day_file.path.stat()
        except FileNotFoundError:
            stat = None
        if stat is None or stat.st_ino != followed.inode:
            self._drain_old_handle(followed, records)
            return self._restart(followed, records) if stat is not None else False
        if stat.st_size < followed.position:
            return self._restart(followed, records)
        return self._read_chunk(followed, records)

    def _drain_old_handle(self, followed: _Followed, records: list[TailedRecord]) -> None:
        """Read what is left in a file that was moved away or deleted, then forget it."""
        while self._read_chunk(followed, records):
            pass
        followed.handle.close()
        self._followed.pop(followed.day_file, None)

    def _restart(self, followed: _Followed, records: list[TailedRecord]) -> bool:
        followed.handle.close()
        self._followed.pop(followed.day_file, None)
        for listener in self._reset_listeners:
            listener(followed.day_file)
        reopened = self._open(followed.day_file)
        return self._read_chunk(reopened, records) if reopened is not None else False

    def _read_chunk(self, followed: _Followed, records: list[TailedRecord]) -> bool:
        followed.handle.seek(followed.position)
        data = followed.handle.read(MAX_READ_PER_POLL)
        if not data:
            return False
        line_offset = followed.partial_offset
        followed.position += len(data)
        followed.partial += data
        *lines, rest = bytes(followed.partial).split(b"\n")
        followed.partial = bytearray(rest)
        for line in lines:
            if line:
                record = parse_record(line)
                entry = to_entry(record) if record is not None else None
                records.append(TailedRecord(followed.day_file, line_offset, len(line), record, entry))
            line_offset += len(line) + 1
        return len(data) == MAX_READ_PER_POLL


def _end_of_last_line(handle: BinaryIO) -> int:
    """The offset just after the last newline of the file (0 when it has none in its last 1 MiB)."""
    size = handle.seek(0, os.SEEK_END)
    start = max(0, size - 1024 * 1024)
    handle.seek(start)
    tail = handle.read()
    last_newline = tail.rfind(b"\n")
    return start + last_newline + 1 if last_newline >= 0 else start
