"""The shared tailer (partial lines, day switch, rotation, truncation) and the summary index / counts."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from webhook_server.libs.log_store.files import parse_day_file
from webhook_server.libs.log_store.summary_index import LogIndex
from webhook_server.libs.log_store.tailer import LogTailer, TailedRecord
from webhook_server.tests.logs.log_files import append_records, day_path, delivery_records, encode, log_entry, summary

T0 = datetime(2026, 1, 5, 23, 59, tzinfo=UTC)
DAY1 = T0.date()
DAY2 = DAY1 + timedelta(days=1)


def messages(records: list[TailedRecord]) -> list[str]:
    return [str(tailed.entry["message"]) for tailed in records if tailed.entry is not None]


def test_tailer_starts_at_the_end_and_keeps_partial_lines(tmp_path: Path) -> None:
    path = day_path(tmp_path, DAY1)
    append_records(path, [log_entry(T0, "history")])
    tailer = LogTailer(tmp_path)
    tailer.prime()
    line = encode(log_entry(T0, "new line"))
    with path.open("ab") as handle:
        handle.write(line[:10])
    assert tailer.poll_once() == ([], False)
    with path.open("ab") as handle:
        handle.write(line[10:])
    records, _ = tailer.poll_once()
    assert messages(records) == ["new line"]
    assert records[0].offset == len(encode(log_entry(T0, "history")))
    tailer.close()


def test_tailer_follows_the_next_day_and_late_lines_of_the_previous_one(tmp_path: Path) -> None:
    append_records(day_path(tmp_path, DAY1), [log_entry(T0, "old")])
    tailer = LogTailer(tmp_path)
    tailer.prime()
    append_records(day_path(tmp_path, DAY2), [log_entry(T0 + timedelta(minutes=2), "after midnight")])
    append_records(day_path(tmp_path, DAY1), [log_entry(T0, "late summary of yesterday")])
    records, _ = tailer.poll_once()
    assert messages(records) == ["late summary of yesterday", "after midnight"]
    assert {tailed.day_file.day for tailed in records} == {DAY1, DAY2}
    tailer.close()


def test_tailer_reads_a_replaced_file_from_its_start(tmp_path: Path) -> None:
    path = day_path(tmp_path, DAY1)
    append_records(path, [log_entry(T0, "before")])
    tailer = LogTailer(tmp_path)
    tailer.prime()
    resets: list[object] = []
    tailer.add_reset_listener(resets.append)
    append_records(path, [log_entry(T0, "written before rotation")])
    os.rename(path, tmp_path / "rotated.json.1")
    append_records(path, [log_entry(T0, "first of new file")])
    records, _ = tailer.poll_once()
    assert messages(records) == ["written before rotation", "first of new file"]
    assert len(resets) == 1
    tailer.close()


def test_tailer_restarts_a_truncated_file(tmp_path: Path) -> None:
    path = day_path(tmp_path, DAY1)
    append_records(path, [log_entry(T0, "a" * 200)])
    tailer = LogTailer(tmp_path)
    tailer.prime()
    with path.open("r+b") as handle:
        handle.truncate(0)
    append_records(path, [log_entry(T0, "after truncation")])
    records, _ = tailer.poll_once()
    assert messages(records) == ["after truncation"]
    tailer.close()


def test_tailer_survives_a_missing_directory_and_a_deleted_file(tmp_path: Path) -> None:
    logs_dir = tmp_path / "logs"
    tailer = LogTailer(logs_dir)
    tailer.prime()
    assert tailer.poll_once() == ([], False)
    append_records(day_path(logs_dir, DAY1), [log_entry(T0, "first file ever")])
    assert messages(tailer.poll_once()[0]) == ["first file ever"]
    day_path(logs_dir, DAY1).unlink()
    assert tailer.poll_once() == ([], False)
    tailer.close()


def test_listener_errors_do_not_stop_other_listeners(tmp_path: Path) -> None:
    tailer = LogTailer(tmp_path)
    seen: list[TailedRecord] = []

    def broken(_: TailedRecord) -> None:
        raise RuntimeError("listener bug")

    tailer.add_listener(broken)
    tailer.add_listener(seen.append)
    append_records(day_path(tmp_path, DAY1), [log_entry(T0, "x")])
    for tailed in tailer.poll_once()[0]:
        tailer._notify(tailed)
    tailer.remove_listener(broken)
    assert len(seen) == 1
    tailer.close()


def test_index_finds_summaries_and_counts_records_exactly(tmp_path: Path) -> None:
    for day_offset in range(3):
        started = T0 - timedelta(days=day_offset, hours=1)
        append_records(day_path(tmp_path, started.date()), delivery_records(f"h{day_offset}", started, lines=4))
    index = LogIndex(tmp_path)
    assert not index.is_ready()
    assert index.find_summary("h2") is not None  # scanned before the index is ready
    index.build()
    assert index.is_ready()
    assert index.total_records() == 15
    record = index.find_summary("h1")
    assert record is not None
    assert record["hook_id"] == "h1"
    assert index.find_summary("nope") is None


def test_index_follows_tailed_lines_without_double_counting(tmp_path: Path) -> None:
    path = day_path(tmp_path, DAY1)
    append_records(path, [log_entry(T0, "one"), log_entry(T0, "two")])
    tailer = LogTailer(tmp_path)
    tailer.prime()
    index = LogIndex(tmp_path)
    append_records(path, [summary("late", T0, T0)])
    records, _ = tailer.poll_once()
    for tailed in records:
        index.note_line(tailed.day_file, tailed.offset, tailed.length, tailed.record)
    index.build()
    assert index.total_records() == 3
    append_records(path, [log_entry(T0, "three")])
    for tailed in tailer.poll_once()[0]:
        index.note_line(tailed.day_file, tailed.offset, tailed.length, tailed.record)
    assert index.total_records() == 4
    assert index.find_summary("late") is not None
    tailer.close()


def test_index_estimates_files_it_has_not_counted(tmp_path: Path) -> None:
    path = day_path(tmp_path, DAY1)
    append_records(path, [log_entry(T0, f"line {number:04d}") for number in range(100)])
    index = LogIndex(tmp_path)
    assert index.total_records() == 100  # estimated from the average line length
    day_file = parse_day_file(path)
    assert day_file is not None
    index.build()
    index.forget_file(day_file)
    assert index.total_records() == 100


def test_index_entry_of_a_deleted_file_is_not_found(tmp_path: Path) -> None:
    path = day_path(tmp_path, DAY1)
    append_records(path, [summary("gone", T0, T0)])
    index = LogIndex(tmp_path)
    index.build()
    path.unlink()
    assert index.find_summary("gone") is None
    assert index.total_records() == 0
