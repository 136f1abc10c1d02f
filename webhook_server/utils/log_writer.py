"""The single log-writer thread and the files it owns (logging-and-viewer.md §1, §2.1, §5.4).

Records arrive through a queue as ``LogEvent`` / ``SummaryEvent`` values. One thread masks them
and writes the JSONL day files (``flock``, flush, a group ``fsync`` for summaries), the size-rotated text
files (10 MiB × 20) and the console, collapsing consecutive duplicates in text outputs. A write
error is reported on stderr and never raised; the next write reopens the file.
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from webhook_server.utils import log_format
from webhook_server.utils.ansi import strip_ansi
from webhook_server.utils.log_colors import RepositoryColors, colorize_level
from webhook_server.utils.masking import mask_text
from webhook_server.utils.private_files import open_private_append

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_BACKUP_COUNT = 20
CONSOLE_NAME = "console"

# (file, offset of the line, its length in bytes without the newline, the record)
JsonlListener = Callable[[Path, int, int, dict[str, Any]], None]


@dataclass(frozen=True)
class LogEvent:
    """One log record captured on the emitting thread (message formatted but not yet masked)."""

    created: float
    level: str
    message: str
    traceback: str | None
    keyword_masking: bool
    text_file: Path | None
    prefix: str = ""
    repository: str | None = None
    context_fields: dict[str, Any] | None = None
    to_jsonl: bool = True
    to_console: bool = True


@dataclass(frozen=True)
class SummaryEvent:
    """A masked ``webhook_summary`` record and the UTC day whose file receives it."""

    record: dict[str, Any]
    day: date


def jsonl_path(logs_dir: Path, day: date) -> Path:
    """``{logs_dir}/webhooks_YYYY-MM-DD.json``."""
    return logs_dir / f"webhooks_{day.isoformat()}.json"


def report_error(problem: str, exc: BaseException) -> None:
    """Tell the operator on stderr that logging failed; never raises, never prints a secret."""
    detail = mask_text(f"{type(exc).__name__}: {exc}", keyword_masking=True)
    try:
        sys.stderr.write(f"--- Logging error ({problem}): {detail}\n")
    except (OSError, ValueError):
        return


def _open_append(path: Path) -> BinaryIO:
    return os.fdopen(open_private_append(path), "ab")


def _is_unlinked(handle: BinaryIO) -> bool:
    return os.fstat(handle.fileno()).st_nlink == 0


class _Collapser:
    """Collapses consecutive identical (level, message) records of one text output."""

    def __init__(self) -> None:
        self._last: tuple[str, str] | None = None
        self._repeats = 0

    def admit(self, level: str, message: str) -> str | None:
        """None for a duplicate; otherwise the message, with the note about collapsed repeats."""
        if (level, message) == self._last:
            self._repeats += 1
            return None
        note = log_format.duplicate_suffix(self._last[1], self._repeats) if self._last and self._repeats else ""
        self._last, self._repeats = (level, message), 0
        return message + note

    def pending_note(self) -> tuple[str, str] | None:
        """(level, note) for repeats not yet reported, used at shutdown."""
        if self._last is None or not self._repeats:
            return None
        return self._last[0], log_format.duplicate_suffix(self._last[1], self._repeats).lstrip()


class _TextFile:
    """One size-rotated text log (``<name>``, ``<name>.1`` … ``<name>.<backups>``)."""

    def __init__(self, path: Path, max_bytes: int, backup_count: int) -> None:
        self.path = path
        self._max_bytes = max_bytes
        self._backup_count = backup_count
        self._handle: BinaryIO | None = None
        self.collapser = _Collapser()

    def write(self, text: str) -> None:
        data = f"{text}\n".encode()
        try:
            handle = self._current()
            if handle.tell() and handle.tell() + len(data) > self._max_bytes:
                handle = self._rotate()
            handle.write(data)
            handle.flush()
        except OSError as exc:
            self.close()
            report_error(f"writing {self.path.name}", exc)

    def _current(self) -> BinaryIO:
        if self._handle is not None and _is_unlinked(self._handle):
            self.close()
        if self._handle is None:
            self._handle = _open_append(self.path)
        return self._handle

    def _rotate(self) -> BinaryIO:
        self.close()
        for number in range(self._backup_count - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{number}")
            if older.exists():
                older.replace(self.path.with_name(f"{self.path.name}.{number + 1}"))
        if self._backup_count:
            self.path.replace(self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink()
        return self._current()

    def close(self) -> None:
        if self._handle is not None:
            handle, self._handle = self._handle, None
            try:
                handle.close()
            except OSError as exc:
                report_error(f"closing {self.path.name}", exc)


class _JsonlFiles:
    """Appends records to the JSONL day files under an exclusive ``flock``.

    A durable line is written and flushed at once; its ``fsync`` waits for ``sync`` (group commit), which
    the writer calls when its queue runs dry, after at most ``SYNC_EVERY`` durable lines, before a handle
    closes and before ``flush`` returns. One summary per delivery, each ``fsync``ed alone, had the disk
    busy with up to a thousand syncs a second in a burst, next to the ledger's own commits.
    """

    _MAX_OPEN = 2
    SYNC_EVERY = 64

    def __init__(self) -> None:
        self._handles: dict[Path, BinaryIO] = {}
        self._unsynced: set[Path] = set()  # files with durable lines written since their last fsync
        self._unsynced_lines = 0

    def append(self, path: Path, record: dict[str, Any], *, durable: bool) -> tuple[int, int]:
        """Write one line; returns the byte offset where it starts and its length without the newline."""
        data = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode()
        handle = self._handle(path)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                offset = handle.seek(0, os.SEEK_END)
                handle.write(data)
                handle.flush()
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        except OSError:
            self._close(path)
            raise
        if durable:
            self._unsynced.add(path)
            self._unsynced_lines += 1
        return offset, len(data) - 1

    @property
    def sync_due(self) -> bool:
        return self._unsynced_lines >= self.SYNC_EVERY

    def sync(self) -> None:
        """``fsync`` every file with durable lines written since its last sync; a failure is reported."""
        for path in list(self._unsynced):
            self._sync(path)
        self._unsynced_lines = 0

    def _sync(self, path: Path) -> None:
        if path not in self._unsynced:
            return
        self._unsynced.discard(path)
        try:
            os.fsync(self._handles[path].fileno())
        except OSError as exc:
            report_error(f"syncing {path.name}", exc)

    def _handle(self, path: Path) -> BinaryIO:
        handle = self._handles.get(path)
        if handle is not None and _is_unlinked(handle):
            self._close(path)
            handle = None
        if handle is None:
            while len(self._handles) >= self._MAX_OPEN:
                self._close(next(iter(self._handles)))
            handle = self._handles[path] = _open_append(path)
        return handle

    def _close(self, path: Path) -> None:
        self._sync(path)
        handle = self._handles.pop(path)
        try:
            handle.close()
        except OSError as exc:
            report_error(f"closing {path.name}", exc)

    def close_all(self) -> None:
        for path in list(self._handles):
            self._close(path)


_STOP = object()


class LogWriter:
    """Owns every log file handle; all writes happen on its one thread."""

    def __init__(
        self,
        logs_dir: Path,
        *,
        console: bool = True,
        console_stream: TextIO | None = None,
        colors: RepositoryColors | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        backup_count: int = DEFAULT_BACKUP_COUNT,
    ) -> None:
        self._logs_dir = logs_dir
        self._console = console
        self._console_stream = console_stream
        self._colors = colors
        self._max_bytes = max_bytes
        self._backup_count = backup_count
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._text_files: dict[Path, _TextFile] = {}
        self._jsonl = _JsonlFiles()
        self._console_collapser = _Collapser()
        self._listeners: list[JsonlListener] = []

    # ---- control (any thread) ------------------------------------------------------------

    def start(self) -> None:
        self._logs_dir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="log-writer", daemon=True)
        self._thread.start()

    def submit(self, item: LogEvent | SummaryEvent) -> None:
        self._queue.put(item)

    def flush(self, timeout: float = 30.0) -> None:
        """Block until everything submitted so far is written."""
        if self._thread is None or not self._thread.is_alive():
            return
        written = threading.Event()
        self._queue.put(written)
        written.wait(timeout)

    def stop(self) -> None:
        """Write what is queued, close every file and end the thread."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join()
        self._thread = None

    def add_jsonl_listener(self, listener: JsonlListener) -> None:
        """Call ``listener(path, offset, length, record)`` on the writer thread after each JSONL line."""
        self._listeners.append(listener)

    def remove_jsonl_listener(self, listener: JsonlListener) -> None:
        """Stop calling ``listener`` (from any thread; a line being reported may still reach it)."""
        self._listeners.remove(listener)

    # ---- the writer thread ---------------------------------------------------------------

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            if isinstance(item, threading.Event):
                self._jsonl.sync()
                item.set()
                continue
            try:
                self._write(item)
            except Exception as exc:  # the writer thread must survive any bad record
                report_error("log writer", exc)
            if self._jsonl.sync_due or self._queue.empty():
                self._jsonl.sync()
        self._close()

    def _write(self, item: object) -> None:
        if isinstance(item, SummaryEvent):
            self._append_jsonl(jsonl_path(self._logs_dir, item.day), item.record, durable=True)
        elif isinstance(item, LogEvent):
            self._write_record(item)

    def _write_record(self, event: LogEvent) -> None:
        message = strip_ansi(mask_text(event.message, keyword_masking=event.keyword_masking))
        traceback = None
        if event.traceback:
            traceback = strip_ansi(mask_text(event.traceback, keyword_masking=event.keyword_masking))
        timestamp = log_format.timestamp_from_epoch(event.created)
        if event.to_jsonl:
            record: dict[str, Any] = {
                "type": "log_entry",
                "timestamp": timestamp,
                "level": event.level,
                "logger_name": event.text_file.name if event.text_file else CONSOLE_NAME,
                "message": message,
            }
            if traceback:
                record["exc_info"] = traceback
            record.update(event.context_fields or {})
            day = datetime.fromtimestamp(event.created, UTC).date()
            self._append_jsonl(jsonl_path(self._logs_dir, day), record, durable=False)
        if event.text_file is not None:
            self._write_text(event.text_file, timestamp, event.level, event.prefix + message, traceback)
        if event.to_console and self._console:
            self._write_console(event, timestamp, message, traceback)

    def _append_jsonl(self, path: Path, record: dict[str, Any], *, durable: bool) -> None:
        try:
            offset, length = self._jsonl.append(path, record, durable=durable)
        except OSError as exc:
            report_error(f"writing {path.name}", exc)
            return
        for listener in list(self._listeners):
            try:
                listener(path, offset, length, record)
            except Exception as exc:  # a listener bug must not stop the writer
                report_error("JSONL listener", exc)

    def _write_text(self, path: Path, timestamp: str, level: str, message: str, traceback: str | None) -> None:
        target = self._text_files.get(path)
        if target is None:
            target = self._text_files[path] = _TextFile(path, self._max_bytes, self._backup_count)
        admitted = target.collapser.admit(level, message)
        if admitted is not None:
            target.write(
                log_format.format_text_line(
                    timestamp=timestamp, logger_name=path.name, level=level, message=admitted, traceback=traceback
                )
            )

    def _write_console(self, event: LogEvent, timestamp: str, message: str, traceback: str | None) -> None:
        admitted = self._console_collapser.admit(event.level, event.prefix + message)
        if admitted is None:
            return
        level = event.level
        if self._colors is not None:
            level = colorize_level(level)
            admitted = self._color_repository(event, admitted)
        line = log_format.format_text_line(
            timestamp=timestamp, logger_name=CONSOLE_NAME, level=level, message=admitted, traceback=traceback
        )
        stream = self._console_stream or sys.stderr
        try:
            stream.write(line + "\n")
            stream.flush()
        except (OSError, ValueError) as exc:
            report_error("writing the console", exc)

    def _color_repository(self, event: LogEvent, text: str) -> str:
        repository = event.repository
        if self._colors is None or not repository or not event.prefix.startswith(repository):
            return text
        try:
            colored = self._colors.colorize_repository(repository)
        except OSError as exc:
            report_error("saving log-colors.json", exc)
            return text
        return colored + text[len(repository) :]

    def _close(self) -> None:
        now = log_format.format_timestamp(datetime.now(UTC))
        for target in self._text_files.values():
            pending = target.collapser.pending_note()
            if pending is not None:
                target.write(
                    log_format.format_text_line(
                        timestamp=now, logger_name=target.path.name, level=pending[0], message=pending[1]
                    )
                )
            target.close()
        self._text_files.clear()
        self._jsonl.close_all()
