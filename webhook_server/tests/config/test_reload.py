"""Config reload (spec config.md §6.3): valid changes swap the snapshot, invalid ones keep the last good one."""

import asyncio
import logging
from pathlib import Path

import pytest

from webhook_server.libs.config import (
    ConfigWatcher,
    ServerConfig,
    load_config,
    repositories_to_bootstrap,
    restart_required_changes,
)
from webhook_server.tests.config.support import minimal_config, snapshot, write_config


class ChangeRecorder:
    """An `on_change` callback that records every (old, new) pair it is given."""

    def __init__(self) -> None:
        self.changes: list[tuple[ServerConfig, ServerConfig]] = []

    async def __call__(self, old: ServerConfig, new: ServerConfig) -> None:
        self.changes.append((old, new))


def start_watcher(data_dir: Path, recorder: ChangeRecorder) -> ConfigWatcher:
    write_config(data_dir, minimal_config())
    return ConfigWatcher(data_dir, load_config(data_dir), recorder)


async def test_unchanged_file_is_not_reloaded(data_dir: Path) -> None:
    recorder = ChangeRecorder()
    watcher = start_watcher(data_dir, recorder)
    assert await watcher.check_now() is False
    assert recorder.changes == []


async def test_valid_change_swaps_snapshot(data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    recorder = ChangeRecorder()
    watcher = start_watcher(data_dir, recorder)
    initial = watcher.current
    write_config(data_dir, minimal_config(port=5050, minimum_lgtm=2))
    with caplog.at_level(logging.INFO):
        assert await watcher.check_now() is True
    assert watcher.current.raw["minimum-lgtm"] == 2
    assert recorder.changes == [(initial, watcher.current)]
    assert "Configuration reloaded" in caplog.text
    assert "Configuration key port changed; it takes effect after a restart" in caplog.text


async def test_invalid_change_keeps_last_good_then_recovers(data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    recorder = ChangeRecorder()
    watcher = start_watcher(data_dir, recorder)
    initial = watcher.current
    write_config(data_dir, minimal_config(log_level="TRACE", port="x"))
    with caplog.at_level(logging.ERROR):
        assert await watcher.check_now() is False
    assert watcher.current is initial
    assert recorder.changes == []
    error_text = "\n".join(record.getMessage() for record in caplog.records if record.levelno == logging.ERROR)
    assert "config.yaml: log-level: 'TRACE' is not one of ['INFO', 'DEBUG']" in error_text
    assert "config.yaml: port: 'x' is not of type 'integer'" in error_text
    assert await watcher.check_now() is False  # same broken file: not retried until it changes
    write_config(data_dir, minimal_config(log_level="DEBUG"))
    assert await watcher.check_now() is True
    assert watcher.current.log_level == "DEBUG"


async def test_deleted_file_keeps_last_good(data_dir: Path) -> None:
    recorder = ChangeRecorder()
    watcher = start_watcher(data_dir, recorder)
    initial = watcher.current
    (data_dir / "config.yaml").unlink()
    assert await watcher.check_now() is False
    assert watcher.current is initial


async def test_forced_check_reloads_unchanged_file(data_dir: Path) -> None:
    recorder = ChangeRecorder()
    watcher = start_watcher(data_dir, recorder)
    assert await watcher.check_now(force=True) is True
    assert len(recorder.changes) == 1


async def test_failing_on_change_is_logged_and_swap_kept(data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    async def failing(old: ServerConfig, new: ServerConfig) -> None:
        raise RuntimeError("bootstrap exploded")

    write_config(data_dir, minimal_config())
    watcher = ConfigWatcher(data_dir, load_config(data_dir), failing)
    write_config(data_dir, minimal_config(minimum_lgtm=5))
    with caplog.at_level(logging.ERROR):
        assert await watcher.check_now() is True
    assert watcher.current.raw["minimum-lgtm"] == 5
    assert "Applying the reloaded configuration failed" in caplog.text


async def test_run_loop_picks_up_a_change(data_dir: Path) -> None:
    recorder = ChangeRecorder()
    watcher = start_watcher(data_dir, recorder)
    task = asyncio.create_task(watcher.run(interval=0.01))
    write_config(data_dir, minimal_config(minimum_lgtm=4))
    for _ in range(500):
        if recorder.changes:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert watcher.current.raw["minimum-lgtm"] == 4


def test_restart_required_changes() -> None:
    old = snapshot(minimal_config())
    new = snapshot(minimal_config(ip_bind="127.0.0.1", max_workers=3, github_api_url="http://127.0.0.1:1"))
    assert restart_required_changes(old, new) == ("ip-bind", "max-workers", "max-concurrent-jobs", "github-api-url")
    assert restart_required_changes(old, snapshot(minimal_config(minimum_lgtm=3))) == ()


def test_repositories_to_bootstrap() -> None:
    repositories = {"a": {"name": "o/a"}, "b": {"name": "o/b", "pre-commit": True}}
    old = snapshot(minimal_config(repositories=repositories))
    changed = {
        "a": {"name": "o/a", "minimum-lgtm": 2},
        "b": {"name": "o/b", "pre-commit": False},
        "c": {"name": "o/c"},
    }
    new = snapshot(minimal_config(repositories=changed))
    assert [entry.key for entry in repositories_to_bootstrap(old, new)] == ["b", "c"]
    root_change = snapshot(minimal_config(repositories=repositories, webhook_secret="rotated"))
    assert [entry.key for entry in repositories_to_bootstrap(old, root_change)] == ["a", "b"]


def _break_config(path: Path, kind: str) -> None:
    if kind == "invalid-utf8":
        path.write_bytes(b"log-level: \xff\xfe\n")
    elif kind == "directory":
        path.unlink()
        path.mkdir()
    else:
        path.unlink()
        path.symlink_to(path)  # a symlink loop: ELOOP


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("invalid-utf8", "config.yaml: <root>: not valid UTF-8"),
        ("directory", "config.yaml: <root>: cannot be read"),
        ("symlink-loop", "config.yaml: <root>: cannot be read"),
    ],
    ids=["invalid-utf8", "directory", "symlink-loop"],
)
async def test_unreadable_file_keeps_last_good_and_the_loop_goes_on(
    data_dir: Path, caplog: pytest.LogCaptureFixture, kind: str, message: str
) -> None:
    recorder = ChangeRecorder()
    watcher = start_watcher(data_dir, recorder)
    initial = watcher.current
    path = data_dir / "config.yaml"
    task = asyncio.create_task(watcher.run(interval=0.01))
    with caplog.at_level(logging.ERROR):
        _break_config(path, kind)
        for _ in range(500):
            if message in caplog.text:
                break
            await asyncio.sleep(0.01)
    assert f"Configuration reload of {path} failed" in caplog.text
    assert message in caplog.text
    assert watcher.current is initial
    if path.is_dir():
        path.rmdir()
    else:
        path.unlink()
    write_config(data_dir, minimal_config(minimum_lgtm=3))
    for _ in range(500):
        if recorder.changes:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert watcher.current.raw["minimum-lgtm"] == 3
