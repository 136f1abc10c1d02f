"""Logging never raises: write failures are reported on stderr and the writer keeps going."""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from webhook_server.tests.logging.conftest import SettingsTable, log_entries, text_lines
from webhook_server.tests.logging.test_logging_runtime import delivery, log_at
from webhook_server.utils.context import bind_context
from webhook_server.utils.log_writer import LogEvent, LogWriter
from webhook_server.utils.logging_setup import LoggingRuntime, prune_webhook_logs

LOGGER = logging.getLogger("webhook_server.tests.logging.failures")


def test_unwritable_day_file_is_reported(
    runtime: LoggingRuntime, logs_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (logs_dir / "webhooks_2025-02-01.json").mkdir()
    log_at(datetime(2025, 2, 1, 12, tzinfo=UTC), "lost from JSONL")
    log_at(datetime(2025, 2, 2, 12, tzinfo=UTC), "kept")
    runtime.flush()
    assert "--- Logging error (writing webhooks_2025-02-01.json): IsADirectoryError" in capfd.readouterr().err
    kept = [json.loads(line)["message"] for line in text_lines(logs_dir / "webhooks_2025-02-02.json")]
    assert kept == ["kept"]
    assert [line.split(" ", 3)[3] for line in text_lines(logs_dir / "webhook-server.log")] == [
        "lost from JSONL",
        "kept",
    ]


def test_many_day_files_in_turn(runtime: LoggingRuntime, logs_dir: Path) -> None:
    first = datetime(2025, 3, 1, 12, tzinfo=UTC)
    for round_number in range(2):
        for offset in range(3):
            log_at(first + timedelta(days=offset), f"round {round_number} day {offset}")
    runtime.flush()
    for offset in range(3):
        path = logs_dir / f"webhooks_{(first + timedelta(days=offset)).date()}.json"
        assert len(text_lines(path)) == 2


def test_writer_survives_a_bad_record(
    runtime: LoggingRuntime, logs_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    not_text: Any = None
    bad = LogEvent(
        created=time.time(), level="INFO", message=not_text, traceback=None, keyword_masking=True, text_file=None
    )
    runtime.submit(bad)
    LOGGER.info("after the bad record")
    runtime.flush()
    assert "--- Logging error (log writer): TypeError" in capfd.readouterr().err
    assert [entry["message"] for entry in log_entries(logs_dir)] == ["after the bad record"]


def test_closed_console_is_reported(logs_dir: Path, settings: SettingsTable, capfd: pytest.CaptureFixture[str]) -> None:
    stream = io.StringIO()
    stream.close()
    runtime = LoggingRuntime(logs_dir, settings, console_stream=stream, console_colors=False)
    runtime.start()
    LOGGER.info("console is gone")
    runtime.stop()
    assert "--- Logging error (writing the console): ValueError" in capfd.readouterr().err
    assert [entry["message"] for entry in log_entries(logs_dir)] == ["console is gone"]


def test_unsavable_colour_file_keeps_the_console_line(
    tmp_path: Path, logs_dir: Path, settings: SettingsTable, capfd: pytest.CaptureFixture[str]
) -> None:
    not_a_dir = tmp_path / "plain-file"
    not_a_dir.write_text("x")
    stream = io.StringIO()
    runtime = LoggingRuntime(logs_dir, settings, console_stream=stream, colors_file=not_a_dir / "log-colors.json")
    runtime.start()
    with bind_context(delivery()):
        LOGGER.info("still shown")
    runtime.stop()
    assert "--- Logging error (saving log-colors.json)" in capfd.readouterr().err
    assert stream.getvalue().rstrip("\n").endswith("repo [pull_request][delivery-1]: still shown")


def test_flush_and_stop_before_start_are_harmless(logs_dir: Path) -> None:
    writer = LogWriter(logs_dir, console=False)
    writer.flush()
    writer.stop()
    assert not logs_dir.exists()


def test_preformatted_exception_text_is_kept(runtime: LoggingRuntime, logs_dir: Path) -> None:
    record = LOGGER.makeRecord(LOGGER.name, logging.ERROR, __file__, 1, "relayed failure", (), None)
    record.exc_text = "Traceback (most recent call last):\nRemoteError: far away"
    LOGGER.handle(record)
    runtime.flush()
    [entry] = log_entries(logs_dir)
    assert entry["exc_info"] == "Traceback (most recent call last):\nRemoteError: far away"


def test_prune_reports_files_it_cannot_delete(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    stuck = tmp_path / "webhooks_2000-01-01.json"
    stuck.mkdir()
    (stuck / "inside").write_text("x")
    removable = tmp_path / "webhooks_2000-01-02.json"
    removable.write_text("{}\n")
    removed = prune_webhook_logs(tmp_path, 30, datetime(2026, 1, 1, tzinfo=UTC).date())
    assert removed == [removable]
    assert stuck.exists()
    assert "--- Logging error (deleting webhooks_2000-01-01.json)" in capfd.readouterr().err
