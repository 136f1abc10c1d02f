"""Summaries are `fsync`ed in groups: every summary line is covered by an `fsync` once the writer caught up
(or `flush` returned), with far fewer syncs than lines when they arrive in a burst."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from webhook_server.utils.log_writer import LogWriter, SummaryEvent, jsonl_path

DAY = date(2026, 12, 4)


@pytest.fixture
def synced_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of the file behind each `fsync`, at the moment it was synced."""
    sizes: list[int] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        real_fsync(fd)
        sizes.append(os.fstat(fd).st_size)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    return sizes


def _summary(index: int) -> SummaryEvent:
    record = {"type": "webhook_summary", "hook_id": f"delivery-{index}", "timestamp": datetime.now(UTC).isoformat()}
    return SummaryEvent(record=record, day=DAY)


def test_a_burst_of_summaries_is_synced_in_groups_up_to_the_last_line(tmp_path: Path, synced_sizes: list[int]) -> None:
    writer = LogWriter(tmp_path, console=False)
    for index in range(200):  # queued before the thread starts: it finds them all waiting
        writer.submit(_summary(index))
    writer.start()
    writer.flush()

    path = jsonl_path(tmp_path, DAY)
    assert len(path.read_text().splitlines()) == 200
    assert len(synced_sizes) == 4  # after 64, 128 and 192 lines, then when the queue ran dry at 200
    assert synced_sizes[-1] == path.stat().st_size  # the last line is durable too
    writer.stop()


def test_a_lone_summary_is_synced_at_once(tmp_path: Path, synced_sizes: list[int]) -> None:
    writer = LogWriter(tmp_path, console=False)
    writer.start()
    writer.submit(_summary(1))
    writer.flush()

    assert synced_sizes == [jsonl_path(tmp_path, DAY).stat().st_size]
    writer.stop()


def test_stop_syncs_what_is_still_unsynced(tmp_path: Path, synced_sizes: list[int]) -> None:
    writer = LogWriter(tmp_path, console=False)
    for index in range(10):
        writer.submit(_summary(index))
    writer.start()
    writer.stop()

    assert synced_sizes[-1] == jsonl_path(tmp_path, DAY).stat().st_size
