"""Records through the real runtime into real files: line format, JSONL, routing, masking."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from webhook_server.tests.logging.conftest import SettingsTable, log_entries, read_jsonl, text_lines
from webhook_server.utils.context import DeliveryContext, bind_context
from webhook_server.utils.logging_setup import LoggingRuntime, LogSettings
from webhook_server.utils.masking import SECRETS

LOGGER = logging.getLogger("webhook_server.tests.logging.runtime")
LINE = re.compile(r"^(?P<ts>\S+) (?P<name>\S+) (?P<level>[A-Z]+) (?P<message>.*)$")


def delivery(**overrides: object) -> DeliveryContext:
    values: dict[str, object] = {
        "hook_id": "delivery-1",
        "event_type": "pull_request",
        "repository": "repo",
        "repository_full_name": "org/repo",
        "action": "opened",
        "sender": "alice",
    }
    values.update(overrides)
    return DeliveryContext(**values)  # type: ignore[arg-type]


def log_at(created: datetime, message: str) -> None:
    record = LOGGER.makeRecord(LOGGER.name, logging.INFO, __file__, 1, message, (), None)
    record.created = created.timestamp()
    LOGGER.handle(record)


def test_text_line_with_delivery_prefix(runtime: LoggingRuntime, logs_dir: Path) -> None:
    with bind_context(delivery(api_user="bot", pr_number=5)):
        LOGGER.info("hello %s", "world")
    runtime.flush()
    [line] = text_lines(logs_dir / "webhook-server.log")
    match = LINE.match(line)
    assert match is not None
    assert match["name"] == "webhook-server.log"
    assert match["level"] == "INFO"
    assert match["message"] == "repo [pull_request][delivery-1][bot][PR 5]: hello world"
    stamp = datetime.fromisoformat(match["ts"])
    assert stamp.utcoffset() is not None
    assert stamp.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert match["ts"].endswith("+00:00")


def test_server_record_has_no_prefix(runtime: LoggingRuntime, logs_dir: Path, console: io.StringIO) -> None:
    LOGGER.warning("server starting")
    runtime.flush()
    [line] = text_lines(logs_dir / "webhook-server.log")
    assert line.endswith(" webhook-server.log WARNING server starting")
    assert console.getvalue().rstrip("\n").endswith(" console WARNING server starting")


def test_jsonl_entry_without_context(runtime: LoggingRuntime, logs_dir: Path) -> None:
    LOGGER.info("plain %d", 3)
    runtime.flush()
    [entry] = log_entries(logs_dir)
    assert list(entry) == ["type", "timestamp", "level", "logger_name", "message"]
    assert (entry["level"], entry["logger_name"], entry["message"]) == ("INFO", "webhook-server.log", "plain 3")
    assert datetime.fromisoformat(entry["timestamp"]).utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_hyperlinks_and_colours_reach_no_file(runtime: LoggingRuntime, logs_dir: Path) -> None:
    LOGGER.info("see \x1b]8;;https://example.com/run/7\x07run 7\x1b]8;;\x07 \x1b[31mfailed\x1b[0m")
    runtime.flush()
    [entry] = log_entries(logs_dir)
    assert entry["message"] == "see run 7 failed"
    [line] = text_lines(logs_dir / "webhook-server.log")
    assert line.endswith(" INFO see run 7 failed")


def test_jsonl_entry_with_context(runtime: LoggingRuntime, logs_dir: Path) -> None:
    with bind_context(delivery(api_user="bot", pr_number=9)):
        LOGGER.info("labels applied")
    runtime.flush()
    [entry] = log_entries(logs_dir)
    assert entry["message"] == "labels applied"
    assert {key: entry[key] for key in ("hook_id", "event_type", "repository", "pr_number", "api_user")} == {
        "hook_id": "delivery-1",
        "event_type": "pull_request",
        "repository": "repo",
        "pr_number": 9,
        "api_user": "bot",
    }


def test_console_only_when_no_log_file(runtime: LoggingRuntime, logs_dir: Path, settings: SettingsTable) -> None:
    settings.root = LogSettings(level="INFO", log_file=None, mask_sensitive_data=True)
    LOGGER.info("no text file")
    runtime.flush()
    [entry] = log_entries(logs_dir)
    assert entry["logger_name"] == "console"
    assert sorted(path.name for path in logs_dir.iterdir()) == [f"webhooks_{datetime.now(UTC).date()}.json"]


def test_exception_traceback_in_text_and_jsonl(runtime: LoggingRuntime, logs_dir: Path) -> None:
    try:
        raise ValueError("broken value")
    except ValueError:
        LOGGER.exception("handler failed")
    runtime.flush()
    [entry] = log_entries(logs_dir)
    assert entry["level"] == "ERROR"
    assert entry["message"] == "handler failed"
    assert entry["exc_info"].startswith("Traceback (most recent call last):")
    assert entry["exc_info"].endswith("ValueError: broken value")
    lines = text_lines(logs_dir / "webhook-server.log")
    assert lines[0].endswith(" ERROR handler failed")
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: broken value"


def test_stack_info_is_kept(runtime: LoggingRuntime, logs_dir: Path) -> None:
    LOGGER.info("where am I", stack_info=True)
    runtime.flush()
    [entry] = log_entries(logs_dir)
    assert entry["exc_info"].startswith("Stack (most recent call last):")


def test_day_file_is_the_utc_date_of_the_record(runtime: LoggingRuntime, logs_dir: Path) -> None:
    log_at(datetime(2025, 12, 31, 23, 59, 59, 500000, UTC), "old year")
    log_at(datetime(2026, 1, 1, 0, 0, 0, 100000, UTC), "new year")
    runtime.flush()
    old = [json.loads(line) for line in text_lines(logs_dir / "webhooks_2025-12-31.json")]
    new = [json.loads(line) for line in text_lines(logs_dir / "webhooks_2026-01-01.json")]
    assert [(entry["message"], entry["timestamp"]) for entry in old] == [
        ("old year", "2025-12-31T23:59:59.500000+00:00")
    ]
    assert [entry["message"] for entry in new] == ["new year"]


def test_levels_outside_the_standard_set_are_mapped(runtime: LoggingRuntime, logs_dir: Path) -> None:
    LOGGER.log(25, "between info and warning")
    LOGGER.critical("really bad")
    runtime.flush()
    assert [entry["level"] for entry in log_entries(logs_dir)] == ["INFO", "CRITICAL"]


def test_per_repository_level_and_file(runtime: LoggingRuntime, logs_dir: Path, settings: SettingsTable) -> None:
    settings.repositories["org/a"] = LogSettings(level="DEBUG", log_file="a.log", mask_sensitive_data=True)
    with bind_context(delivery(repository="a", repository_full_name="org/a")):
        LOGGER.debug("a debug")
    with bind_context(delivery(repository="b", repository_full_name="org/b")):
        LOGGER.debug("b debug")
        LOGGER.info("b info")
    LOGGER.debug("root debug")
    LOGGER.info("root info")
    runtime.flush()
    assert [line.split(" ", 3)[3] for line in text_lines(logs_dir / "a.log")] == [
        "a [pull_request][delivery-1]: a debug"
    ]
    assert [line.split(" ", 3)[3] for line in text_lines(logs_dir / "webhook-server.log")] == [
        "b [pull_request][delivery-1]: b info",
        "root info",
    ]
    assert [entry["message"] for entry in log_entries(logs_dir)] == ["a debug", "b info", "root info"]
    assert log_entries(logs_dir)[0]["logger_name"] == "a.log"


def test_settings_changes_apply_to_the_next_record(
    runtime: LoggingRuntime, logs_dir: Path, settings: SettingsTable
) -> None:
    LOGGER.debug("before reload")
    settings.root = LogSettings(level="DEBUG", log_file="webhook-server.log", mask_sensitive_data=True)
    LOGGER.debug("after reload")
    runtime.flush()
    assert [entry["message"] for entry in log_entries(logs_dir)] == ["after reload"]


def test_absolute_log_file_is_used_as_given(
    runtime: LoggingRuntime, tmp_path: Path, logs_dir: Path, settings: SettingsTable
) -> None:
    target = tmp_path / "elsewhere" / "abs.log"
    settings.root = LogSettings(level="INFO", log_file=str(target), mask_sensitive_data=True)
    LOGGER.info("to an absolute path")
    runtime.flush()
    [line] = text_lines(target)
    assert " abs.log INFO to an absolute path" in line
    assert log_entries(logs_dir)[0]["logger_name"] == "abs.log"


def test_foreign_loggers_need_warning(runtime: LoggingRuntime, logs_dir: Path, settings: SettingsTable) -> None:
    settings.root = LogSettings(level="DEBUG", log_file=None, mask_sensitive_data=True)
    logging.getLogger("httpx").info("noisy library chatter")
    logging.getLogger("httpx").warning("library warning")
    runtime.flush()
    assert [entry["message"] for entry in log_entries(logs_dir)] == ["library warning"]


def test_duplicates_are_collapsed_in_text_but_kept_in_jsonl(
    runtime: LoggingRuntime, logs_dir: Path, console: io.StringIO
) -> None:
    for _ in range(3):
        LOGGER.info("same thing")
    LOGGER.info("different")
    LOGGER.info("different")
    LOGGER.warning("different")
    runtime.flush()
    first_note = " --- [DuplicateFilter: Last log `same thing` repeated 2 times]"
    second_note = " --- [DuplicateFilter: Last log `different` repeated 1 times]"
    expected = ["INFO same thing", f"INFO different{first_note}", f"WARNING different{second_note}"]
    assert [line.split(" ", 2)[2] for line in text_lines(logs_dir / "webhook-server.log")] == expected
    assert [line.split(" ", 2)[2] for line in console.getvalue().splitlines()] == expected
    assert len(log_entries(logs_dir)) == 6


def test_pending_duplicates_are_reported_at_stop(logs_dir: Path, settings: SettingsTable) -> None:
    runtime = LoggingRuntime(logs_dir, settings, console=False)
    runtime.start()
    for _ in range(3):
        LOGGER.info("repeated at shutdown")
    runtime.stop()
    lines = text_lines(logs_dir / "webhook-server.log")
    assert len(lines) == 2
    assert lines[1].endswith(" INFO --- [DuplicateFilter: Last log `repeated at shutdown` repeated 2 times]")


def test_resolver_that_logs_does_not_recurse(logs_dir: Path, settings: SettingsTable) -> None:
    def chatty(repository_full_name: str | None) -> LogSettings:
        LOGGER.warning("resolving %s", repository_full_name)
        return settings(repository_full_name)

    runtime = LoggingRuntime(logs_dir, chatty, console=False)
    runtime.start()
    LOGGER.info("outer record")
    runtime.stop()
    assert [entry["message"] for entry in log_entries(logs_dir)] == ["outer record"]


def test_resolver_error_is_reported_not_raised(logs_dir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    def broken(repository_full_name: str | None) -> LogSettings:
        raise KeyError("no config password=hunter2")

    runtime = LoggingRuntime(logs_dir, broken, console=False)
    runtime.start()
    LOGGER.info("dropped")
    with bind_context(delivery()) as ctx:
        runtime.write_summary(ctx)
    runtime.stop()
    assert read_jsonl(logs_dir) == []
    errors = capfd.readouterr().err
    assert "--- Logging error (capturing a log record): KeyError" in errors
    assert "--- Logging error (building the webhook summary)" in errors
    assert "hunter2" not in errors


def test_write_error_is_reported_and_the_file_reopened(
    runtime: LoggingRuntime, logs_dir: Path, settings: SettingsTable, capfd: pytest.CaptureFixture[str]
) -> None:
    blocker = logs_dir / "blocked.log"
    blocker.mkdir(parents=True)
    settings.root = LogSettings(level="INFO", log_file="blocked.log", mask_sensitive_data=True)
    LOGGER.info("cannot be written to text")
    runtime.flush()
    assert "--- Logging error (writing blocked.log)" in capfd.readouterr().err
    blocker.rmdir()
    LOGGER.info("written after the fix")
    runtime.flush()
    assert [line.split(" ", 3)[3] for line in text_lines(blocker)] == ["written after the fix"]
    assert [entry["message"] for entry in log_entries(logs_dir)] == [
        "cannot be written to text",
        "written after the fix",
    ]


def test_deleted_files_are_recreated(runtime: LoggingRuntime, logs_dir: Path) -> None:
    LOGGER.info("first")
    runtime.flush()
    (logs_dir / "webhook-server.log").unlink()
    for path in logs_dir.glob("webhooks_*.json"):
        path.unlink()
    LOGGER.info("second")
    runtime.flush()
    assert [line.split(" ", 3)[3] for line in text_lines(logs_dir / "webhook-server.log")] == ["second"]
    assert [entry["message"] for entry in log_entries(logs_dir)] == ["second"]


def test_jsonl_listener_gets_path_and_offset(runtime: LoggingRuntime, logs_dir: Path) -> None:
    seen: list[tuple[Path, int, int, dict[str, object]]] = []
    runtime.add_jsonl_listener(lambda path, offset, length, record: seen.append((path, offset, length, record)))
    LOGGER.info("one")
    with bind_context(delivery()) as ctx:
        ctx.completed_at = datetime.now(UTC)
        runtime.write_summary(ctx)
    runtime.flush()
    assert [record.get("type") for _, _, _, record in seen] == ["log_entry", "webhook_summary"]
    for path, offset, length, record in seen:
        with path.open("rb") as handle:
            handle.seek(offset)
            line = handle.readline()
        assert len(line) == length + 1
        assert json.loads(line) == record


def test_failing_listener_does_not_stop_writing(
    runtime: LoggingRuntime, logs_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    def broken(path: Path, offset: int, length: int, record: dict[str, object]) -> None:
        raise RuntimeError("listener bug")

    runtime.add_jsonl_listener(broken)
    LOGGER.info("one")
    LOGGER.info("two")
    runtime.flush()
    assert [entry["message"] for entry in log_entries(logs_dir)] == ["one", "two"]
    assert "--- Logging error (JSONL listener): RuntimeError: listener bug" in capfd.readouterr().err


def test_private_logger_file(runtime: LoggingRuntime, logs_dir: Path, console: io.StringIO) -> None:
    runtime.route_logger_to_file("webhook_server.tests.viewer", "logs_server.log", console=False)
    viewer = logging.getLogger("webhook_server.tests.viewer")
    with bind_context(delivery()):
        viewer.debug("query took %d ms", 4)
    runtime.flush()
    [line] = text_lines(logs_dir / "logs_server.log")
    assert line.endswith(" logs_server.log DEBUG query took 4 ms")
    assert log_entries(logs_dir) == []
    assert console.getvalue() == ""
    with pytest.raises(ValueError, match="no log file"):
        runtime.route_logger_to_file("webhook_server.tests.other", "")


def test_rotation_keeps_the_configured_backups(logs_dir: Path, settings: SettingsTable) -> None:
    runtime = LoggingRuntime(logs_dir, settings, console=False, max_bytes=300, backup_count=2)
    runtime.start()
    for number in range(40):
        LOGGER.info("rotating message number %03d", number)
    runtime.stop()
    base = logs_dir / "webhook-server.log"
    names = sorted(path.name for path in logs_dir.glob("webhook-server.log*"))
    assert names == ["webhook-server.log", "webhook-server.log.1", "webhook-server.log.2"]
    for path in (base, base.with_name("webhook-server.log.1"), base.with_name("webhook-server.log.2")):
        assert 0 < path.stat().st_size <= 300
    assert text_lines(base)[-1].endswith("rotating message number 039")
    newest_backup = text_lines(base.with_name("webhook-server.log.1"))
    oldest_backup = text_lines(base.with_name("webhook-server.log.2"))
    assert newest_backup[-1].endswith(f"{int(text_lines(base)[0][-3:]) - 1:03d}")
    assert int(oldest_backup[-1][-3:]) + 1 == int(newest_backup[0][-3:])
    assert len(log_entries(logs_dir)) == 40


def test_rotation_without_backups_truncates(logs_dir: Path, settings: SettingsTable) -> None:
    runtime = LoggingRuntime(logs_dir, settings, console=False, max_bytes=200, backup_count=0)
    runtime.start()
    for number in range(10):
        LOGGER.info("message %02d padded to be long enough", number)
    runtime.stop()
    assert sorted(path.name for path in logs_dir.glob("webhook-server.log*")) == ["webhook-server.log"]
    assert text_lines(logs_dir / "webhook-server.log")[-1].endswith("message 09 padded to be long enough")


def test_colored_console_and_plain_files(data_dir: Path, logs_dir: Path, settings: SettingsTable) -> None:
    stream = io.StringIO()
    runtime = LoggingRuntime(logs_dir, settings, console_stream=stream)
    runtime.start()
    with bind_context(delivery()):
        LOGGER.error("\x1b[31mred\x1b[0m text")
    LOGGER.info("server line")
    runtime.stop()
    colored = stream.getvalue().splitlines()
    assert "\x1b[31mERROR\x1b[0m" in colored[0]
    assert colored[0].endswith("\x1b[0m [pull_request][delivery-1]: red text")
    assert "\x1b[38;2;" in colored[0]
    assert "\x1b[32mINFO\x1b[0m server line" in colored[1]
    colors = json.loads((data_dir / "log-colors.json").read_text())
    assert list(colors) == ["repo"]
    for path in logs_dir.iterdir():
        assert "\x1b" not in path.read_text(encoding="utf-8"), path.name


def test_no_console_writes_only_files(
    logs_dir: Path, settings: SettingsTable, capfd: pytest.CaptureFixture[str]
) -> None:
    runtime = LoggingRuntime(logs_dir, settings, console=False)
    runtime.start()
    LOGGER.info("quiet")
    runtime.stop()
    assert capfd.readouterr().err == ""
    assert text_lines(logs_dir / "webhook-server.log")[0].endswith("quiet")


def test_secret_in_exception_reaches_no_file(data_dir: Path, logs_dir: Path, settings: SettingsTable) -> None:
    token = f"ghs_{uuid4().hex}"
    SECRETS.add(token)
    settings.repositories["org/repo"] = LogSettings(level="DEBUG", log_file="repo.log", mask_sensitive_data=False)
    stream = io.StringIO()
    runtime = LoggingRuntime(logs_dir, settings, console_stream=stream)
    runtime.start()

    def call_github(credential: str) -> None:
        raise PermissionError(f"401 Bad credentials for {credential}")

    ctx = delivery()
    with bind_context(ctx):
        LOGGER.debug("using credential %s", token)
        try:
            call_github(token)
        except PermissionError as exc:
            LOGGER.exception("GitHub call with %s failed", token)
            ctx.fail_step("pr_handler", exc, None, detail=f"token was {token}")
            ctx.record_failure(exc)
        LOGGER.error(ctx.summary_line())
    ctx.completed_at = datetime.now(UTC)
    runtime.write_summary(ctx)
    runtime.stop()

    written = {path: path.read_text(encoding="utf-8") for path in data_dir.rglob("*") if path.is_file()}
    assert {path.name for path in written} >= {"repo.log", "log-colors.json"}
    for path, content in written.items():
        assert token not in content, path.name
        assert token[:8] not in content, path.name
    assert token not in stream.getvalue()
    summary = next(record for record in read_jsonl(logs_dir) if record.get("type") == "webhook_summary")
    assert summary["error"]["message"] == "401 Bad credentials for *****"
    assert "401 Bad credentials for *****" in summary["error"]["traceback"]
    assert summary["workflow_steps"]["pr_handler"]["detail"] == "token was *****"
    entries = log_entries(logs_dir)
    assert entries[0]["message"] == "using credential *****"
    assert entries[1]["message"] == "GitHub call with ***** failed"
    assert entries[1]["exc_info"].endswith("PermissionError: 401 Bad credentials for *****")


def test_keyword_masking_follows_the_repository_setting(
    runtime: LoggingRuntime, logs_dir: Path, settings: SettingsTable
) -> None:
    settings.repositories["org/open"] = LogSettings(level="INFO", log_file=None, mask_sensitive_data=False)
    LOGGER.info("password: hunter2")
    with bind_context(delivery(repository="open", repository_full_name="org/open")):
        LOGGER.info("password: hunter2")
    runtime.flush()
    assert [entry["message"] for entry in log_entries(logs_dir)] == ["password: *****", "password: hunter2"]
