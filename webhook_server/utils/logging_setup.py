"""Wires the stdlib ``logging`` into the log writer (logging-and-viewer.md §1–§5).

``LoggingRuntime`` installs one handler on the root logger. For every record it reads the
effective settings of the record's repository (level, text file, keyword masking: so per-repository
values and reloads apply at once), captures the bound ``DeliveryContext`` and hands the record to the
writer thread. It also writes the per-delivery ``webhook_summary`` and runs the JSONL retention.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from webhook_server.utils.context import DeliveryContext, current_context
from webhook_server.utils.log_colors import RepositoryColors
from webhook_server.utils.log_writer import (
    DEFAULT_BACKUP_COUNT,
    DEFAULT_MAX_BYTES,
    JsonlListener,
    LogEvent,
    LogWriter,
    SummaryEvent,
    report_error,
)
from webhook_server.utils.masking import mask_structure

OWN_LOGGER_PREFIXES: tuple[str, ...] = ("webhook_server", "entrypoint", "__main__", "root")
FOREIGN_MIN_LEVEL = logging.WARNING
_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
}
_FORMATTER = logging.Formatter()


@dataclass(frozen=True)
class LogSettings:
    """Effective logging settings for one repository (or the root config for ``None``)."""

    level: str
    log_file: str | None
    mask_sensitive_data: bool


SettingsResolver = Callable[[str | None], LogSettings]


def level_number(level: str) -> int:
    """``"DEBUG"`` → 10 and so on; an unknown name counts as ``INFO``."""
    return _LEVELS.get(level.upper(), logging.INFO)


def standard_level_name(levelno: int) -> str:
    """The standard level at or below ``levelno`` (``DEBUG`` … ``CRITICAL``)."""
    for name, number in reversed(_LEVELS.items()):
        if levelno >= number:
            return name
    return "DEBUG"


def resolve_log_path(logs_dir: Path, log_file: str | None) -> Path | None:
    """A relative ``log-file`` lives in the logs dir; an absolute one is used as given."""
    if not log_file:
        return None
    path = Path(log_file)
    return path if path.is_absolute() else logs_dir / path


def _traceback_text(record: logging.LogRecord) -> str | None:
    parts: list[str] = []
    if record.exc_info and record.exc_info[0] is not None:
        parts.append(_FORMATTER.formatException(record.exc_info))
    elif record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(_FORMATTER.formatStack(record.stack_info))
    return "\n".join(parts) or None


def _is_own_logger(name: str) -> bool:
    return any(name == prefix or name.startswith(f"{prefix}.") for prefix in OWN_LOGGER_PREFIXES)


class _DeliveryHandler(logging.Handler):
    """The root handler: per-record settings and delivery context, then the writer queue."""

    def __init__(self, runtime: LoggingRuntime) -> None:
        super().__init__(logging.DEBUG)
        self._runtime = runtime
        self._busy = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        if not _is_own_logger(record.name) and record.levelno < FOREIGN_MIN_LEVEL:
            return
        if getattr(self._busy, "active", False):  # a record logged by the settings resolver itself
            return
        self._busy.active = True
        try:
            event = self._capture(record)
        except Exception as exc:  # logging never raises
            report_error("capturing a log record", exc)
            return
        finally:
            self._busy.active = False
        if event is not None:
            self._runtime.submit(event)

    def _capture(self, record: logging.LogRecord) -> LogEvent | None:
        ctx = current_context()
        settings = self._runtime.settings_for(ctx.repository_full_name if ctx else None)
        if record.levelno < level_number(settings.level):
            return None
        return LogEvent(
            created=record.created,
            level=standard_level_name(record.levelno),
            message=record.getMessage(),
            traceback=_traceback_text(record),
            keyword_masking=settings.mask_sensitive_data,
            text_file=self._runtime.log_path(settings.log_file),
            prefix=ctx.log_prefix() if ctx else "",
            repository=ctx.repository if ctx else None,
            context_fields=ctx.log_entry_fields() if ctx else None,
        )


class _PrivateFileHandler(logging.Handler):
    """A logger with its own text file (log viewer, MCP): no delivery prefix, never in the JSONL file."""

    def __init__(self, runtime: LoggingRuntime, path: Path, level: int, console: bool) -> None:
        super().__init__(level)
        self._runtime = runtime
        self._path = path
        self._console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            masking = self._runtime.settings_for(None).mask_sensitive_data
            event = LogEvent(
                created=record.created,
                level=standard_level_name(record.levelno),
                message=record.getMessage(),
                traceback=_traceback_text(record),
                keyword_masking=masking,
                text_file=self._path,
                to_jsonl=False,
                to_console=self._console,
            )
        except Exception as exc:  # logging never raises
            report_error("capturing a log record", exc)
            return
        self._runtime.submit(event)


class LoggingRuntime:
    """The process's logging: install with ``start()``, remove with ``stop()``."""

    def __init__(
        self,
        logs_dir: Path,
        resolve: SettingsResolver,
        *,
        console: bool = True,
        console_stream: TextIO | None = None,
        console_colors: bool = True,
        colors_file: Path | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        backup_count: int = DEFAULT_BACKUP_COUNT,
    ) -> None:
        self._logs_dir = logs_dir
        self._resolve = resolve
        colors = None
        if console and console_colors:
            colors = RepositoryColors(colors_file or logs_dir.parent / "log-colors.json")
        self._writer = LogWriter(
            logs_dir,
            console=console,
            console_stream=console_stream,
            colors=colors,
            max_bytes=max_bytes,
            backup_count=backup_count,
        )
        self._handler = _DeliveryHandler(self)
        self._private: list[tuple[logging.Logger, logging.Handler]] = []
        self._previous_root_level = logging.WARNING

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the writer thread and install the handler on the root logger."""
        self._writer.start()
        root = logging.getLogger()
        self._previous_root_level = root.level
        root.setLevel(logging.DEBUG)
        root.addHandler(self._handler)

    def stop(self) -> None:
        """Remove the handlers, write everything queued and close every file."""
        root = logging.getLogger()
        root.removeHandler(self._handler)
        root.setLevel(self._previous_root_level)
        for logger, handler in self._private:
            logger.removeHandler(handler)
        self._private.clear()
        self._writer.stop()

    def flush(self) -> None:
        """Block until every record submitted so far is written (for tests and shutdown)."""
        self._writer.flush()

    # ---- used by the handlers ----------------------------------------------------------------

    def settings_for(self, repository_full_name: str | None) -> LogSettings:
        return self._resolve(repository_full_name)

    def log_path(self, log_file: str | None) -> Path | None:
        return resolve_log_path(self._logs_dir, log_file)

    def submit(self, event: LogEvent) -> None:
        self._writer.submit(event)

    # ---- extras for other modules --------------------------------------------------------------

    def route_logger_to_file(
        self, logger_name: str, log_file: str, *, level: str = "DEBUG", console: bool = True
    ) -> None:
        """Send ``logger_name`` (not propagated) to its own text file, e.g. ``logs_server.log``."""
        path = resolve_log_path(self._logs_dir, log_file)
        if path is None:
            raise ValueError(f"no log file given for logger {logger_name!r}")
        logger = logging.getLogger(logger_name)
        handler = _PrivateFileHandler(self, path, level_number(level), console)
        logger.propagate = False
        logger.setLevel(level_number(level))
        logger.addHandler(handler)
        self._private.append((logger, handler))

    def add_jsonl_listener(self, listener: JsonlListener) -> None:
        """``listener(path, offset, length, record)`` runs on the writer thread after each JSONL line."""
        self._writer.add_jsonl_listener(listener)

    def remove_jsonl_listener(self, listener: JsonlListener) -> None:
        """Stop calling ``listener``."""
        self._writer.remove_jsonl_listener(listener)

    def write_summary(self, ctx: DeliveryContext) -> None:
        """Queue the masked ``webhook_summary`` for ``webhooks_<UTC date of completed_at>.json`` (fsync'd)."""
        try:
            settings = self._resolve(ctx.repository_full_name)
            record = mask_structure(ctx.summary_record(), keyword_masking=settings.mask_sensitive_data)
            day = (ctx.completed_at or datetime.now(UTC)).astimezone(UTC).date()
        except Exception as exc:  # logging never raises
            report_error("building the webhook summary", exc)
            return
        self._writer.submit(SummaryEvent(record=record, day=day))

    async def retention_loop(self, retention_days: int) -> None:
        """Delete ``webhooks_*.json`` older than ``retention_days`` now and after every UTC midnight."""
        if retention_days <= 0:
            return
        while True:
            await asyncio.to_thread(prune_webhook_logs, self._logs_dir, retention_days, datetime.now(UTC).date())
            await asyncio.sleep(seconds_until_next_utc_day(datetime.now(UTC)))


def prune_webhook_logs(logs_dir: Path, retention_days: int, today: date) -> list[Path]:
    """Delete the JSONL day files whose date is more than ``retention_days`` before ``today``."""
    removed: list[Path] = []
    for path in sorted(logs_dir.glob("webhooks_*.json")):
        try:
            day = date.fromisoformat(path.stem.removeprefix("webhooks_"))
        except ValueError:
            continue
        if (today - day).days <= retention_days:
            continue
        try:
            path.unlink()
        except OSError as exc:
            report_error(f"deleting {path.name}", exc)
            continue
        removed.append(path)
    return removed


def seconds_until_next_utc_day(now: datetime) -> float:
    """Seconds from ``now`` to one second after the next UTC midnight."""
    midnight = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)
    return (midnight - now).total_seconds() + 1
