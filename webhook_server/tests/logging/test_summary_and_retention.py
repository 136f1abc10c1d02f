"""The ``webhook_summary`` JSONL record and the retention of day files (logging-and-viewer.md §5)."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from webhook_server.tests.logging.conftest import SettingsTable, read_jsonl
from webhook_server.tests.logging.test_context import SUMMARY_KEYS
from webhook_server.utils.context import DeliveryContext
from webhook_server.utils.logging_setup import (
    LoggingRuntime,
    LogSettings,
    level_number,
    prune_webhook_logs,
    seconds_until_next_utc_day,
    standard_level_name,
)


def finished_delivery(completed_at: datetime) -> DeliveryContext:
    ctx = DeliveryContext(
        hook_id="delivery-9",
        event_type="issue_comment",
        repository="repo",
        repository_full_name="org/repo",
        action="created",
        sender="alice",
        started_at=completed_at - timedelta(seconds=3),
        pr_number=4,
        pr_title="Fix",
        pr_author="bob",
    )
    ctx.complete_step("issue_comment_handler", reason="password=hunter2", handle=object())
    ctx.completed_at = completed_at
    return ctx


def test_summary_goes_to_the_day_of_completed_at(
    runtime: LoggingRuntime, logs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    logging.getLogger("webhook_server.tests.summary").info("an entry, not synced")
    runtime.flush()
    assert synced == []
    runtime.write_summary(finished_delivery(datetime(2025, 6, 1, 23, 30, tzinfo=UTC)))
    runtime.flush()
    assert len(synced) == 1
    lines = (logs_dir / "webhooks_2025-06-01.json").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    [record] = [record for record in read_jsonl(logs_dir) if record.get("type") == "webhook_summary"]
    assert list(record) == SUMMARY_KEYS
    assert record["timing"]["completed_at"] == "2025-06-01T23:30:00+00:00"
    assert record["timing"]["duration_ms"] == 3000
    assert record["pr"] == {"number": 4, "title": "Fix", "author": "bob"}
    step = record["workflow_steps"]["issue_comment_handler"]
    assert step["reason"] == "password=*****"
    assert step["handle"].startswith("<object object")


def test_summary_keyword_masking_off_for_the_repository(logs_dir: Path, settings: SettingsTable) -> None:
    settings.repositories["org/repo"] = LogSettings(level="INFO", log_file=None, mask_sensitive_data=False)
    runtime = LoggingRuntime(logs_dir, settings, console=False)
    runtime.start()
    runtime.write_summary(finished_delivery(datetime(2025, 6, 2, tzinfo=UTC)))
    runtime.stop()
    [record] = read_jsonl(logs_dir)
    assert record["workflow_steps"]["issue_comment_handler"]["reason"] == "password=hunter2"


def test_failed_summary_carries_masked_error(runtime: LoggingRuntime, logs_dir: Path) -> None:
    ctx = finished_delivery(datetime(2025, 6, 3, tzinfo=UTC))
    try:
        raise RuntimeError("token: abc123 rejected")
    except RuntimeError as exc:
        ctx.record_failure(exc)
    runtime.write_summary(ctx)
    runtime.flush()
    [record] = read_jsonl(logs_dir)
    assert (record["status"], record["success"]) == ("failed", False)
    assert record["error"]["type"] == "RuntimeError"
    assert record["error"]["message"] == "token: ***** rejected"
    assert "abc123" not in record["error"]["traceback"]
    assert record["summary"].startswith("[FAILED] Webhook completed PR#4 [3s0ms] steps=[issue_comment_handler:")


def test_summary_of_unfinished_delivery_uses_today(runtime: LoggingRuntime, logs_dir: Path) -> None:
    ctx = finished_delivery(datetime.now(UTC))
    ctx.completed_at = None
    runtime.write_summary(ctx)
    runtime.flush()
    assert (logs_dir / f"webhooks_{datetime.now(UTC).date()}.json").exists()


@pytest.mark.parametrize(
    ("retention_days", "expected_left"),
    [
        (30, ["webhooks_2026-01-01.json", "webhooks_2026-01-31.json", "webhooks_notadate.json"]),
        (0, ["webhooks_2026-01-31.json", "webhooks_notadate.json"]),
        (
            45,
            [
                "webhooks_2025-12-20.json",
                "webhooks_2026-01-01.json",
                "webhooks_2026-01-31.json",
                "webhooks_notadate.json",
            ],
        ),
    ],
    ids=["thirty-days", "zero-keeps-only-today", "longer-window"],
)
def test_prune_webhook_logs(tmp_path: Path, retention_days: int, expected_left: list[str]) -> None:
    for name in ("webhooks_2025-12-20.json", "webhooks_2026-01-01.json", "webhooks_2026-01-31.json"):
        (tmp_path / name).write_text("{}\n")
    (tmp_path / "webhooks_notadate.json").write_text("{}\n")
    (tmp_path / "webhook-server.log").write_text("text\n")
    removed = prune_webhook_logs(tmp_path, retention_days, date(2026, 1, 31))
    left = sorted(path.name for path in tmp_path.glob("webhooks_*.json"))
    assert left == expected_left
    assert {path.name for path in removed}.isdisjoint(left)
    assert (tmp_path / "webhook-server.log").exists()


async def test_retention_loop_deletes_old_files(runtime: LoggingRuntime, logs_dir: Path) -> None:
    today = datetime.now(UTC).date()
    old = logs_dir / f"webhooks_{today - timedelta(days=31)}.json"
    recent = logs_dir / f"webhooks_{today - timedelta(days=30)}.json"
    old.write_text("{}\n")
    recent.write_text("{}\n")
    task = asyncio.create_task(runtime.retention_loop(30))
    for _ in range(200):
        if not old.exists():
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not old.exists()
    assert recent.exists()


async def test_retention_zero_keeps_forever(runtime: LoggingRuntime, logs_dir: Path) -> None:
    ancient = logs_dir / "webhooks_2000-01-01.json"
    ancient.write_text("{}\n")
    await asyncio.wait_for(runtime.retention_loop(0), timeout=1)
    assert ancient.exists()


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 1, 5, 0, 0, 0, tzinfo=UTC), 86401.0),
        (datetime(2026, 1, 5, 23, 59, 59, tzinfo=UTC), 2.0),
        (datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC), 43201.0),
    ],
    ids=["at-midnight", "one-second-before", "noon"],
)
def test_seconds_until_next_utc_day(now: datetime, expected: float) -> None:
    assert seconds_until_next_utc_day(now) == expected


@pytest.mark.parametrize(
    ("levelno", "expected"),
    [(5, "DEBUG"), (10, "DEBUG"), (20, "INFO"), (25, "INFO"), (30, "WARNING"), (45, "ERROR"), (60, "CRITICAL")],
    ids=["below-debug", "debug", "info", "custom-25", "warning", "custom-45", "above-critical"],
)
def test_standard_level_name(levelno: int, expected: str) -> None:
    assert standard_level_name(levelno) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("DEBUG", 10), ("info", 20), ("Warning", 30), ("CRITICAL", 50), ("VERBOSE", 20)],
    ids=["debug", "lower-case", "mixed-case", "critical", "unknown-is-info"],
)
def test_level_number(name: str, expected: int) -> None:
    assert level_number(name) == expected
