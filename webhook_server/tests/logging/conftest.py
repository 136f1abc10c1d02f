"""Fixtures of the logging tests: a real logging runtime writing into a temporary data dir."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from webhook_server.utils.logging_setup import LoggingRuntime, LogSettings


class SettingsTable:
    """A resolver like the config's: per-repository settings falling back to the root ones."""

    def __init__(self, root: LogSettings) -> None:
        self.root = root
        self.repositories: dict[str, LogSettings] = {}

    def __call__(self, repository_full_name: str | None) -> LogSettings:
        if repository_full_name is None:
            return self.root
        return self.repositories.get(repository_full_name, self.root)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def logs_dir(data_dir: Path) -> Path:
    return data_dir / "logs"


@pytest.fixture
def settings() -> SettingsTable:
    return SettingsTable(LogSettings(level="INFO", log_file="webhook-server.log", mask_sensitive_data=True))


@pytest.fixture
def console() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def runtime(logs_dir: Path, settings: SettingsTable, console: io.StringIO) -> Iterator[LoggingRuntime]:
    """A started runtime with an uncoloured console captured in ``console``."""
    started = LoggingRuntime(logs_dir, settings, console_stream=console, console_colors=False)
    started.start()
    yield started
    started.stop()


def read_jsonl(logs_dir: Path) -> list[dict[str, Any]]:
    """Every JSONL record of every day file, in file then line order."""
    records: list[dict[str, Any]] = []
    for path in sorted(logs_dir.glob("webhooks_*.json")):
        records.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return records


def log_entries(logs_dir: Path) -> list[dict[str, Any]]:
    return [record for record in read_jsonl(logs_dir) if record.get("type") == "log_entry"]


def text_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []
