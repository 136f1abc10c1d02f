"""Reload `config.yaml` when it changes (spec config.md §6.3): swap valid snapshots, keep the last good one."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from webhook_server.libs.config.load import load_config
from webhook_server.libs.config.server import CONFIG_FILE_NAME, ConfigError, RepositoryEntry, ServerConfig

LOGGER = logging.getLogger(__name__)

FileSignature = tuple[int, int, int] | None
OnConfigChange = Callable[[ServerConfig, ServerConfig], Awaitable[None]]

RESTART_REQUIRED_FIELDS = {
    "ip_bind": "ip-bind",
    "port": "port",
    "max_workers": "max-workers",
    "max_concurrent_jobs": "max-concurrent-jobs",
    "github_api_url": "github-api-url",
    "mcp_log_file": "mcp-log-file",
    "logs_server_log_file": "logs-server-log-file",
    "sandbox": "sandbox",
}
REPOSITORY_BOOTSTRAP_KEYS = (
    "name",
    "events",
    "protected-branches",
    "branch-protection",
    "default-status-checks",
    "labels",
    "tox",
    "verified-job",
    "container",
    "pypi",
    "pre-commit",
    "conventional-title",
)
ROOT_BOOTSTRAP_KEYS = ("webhook-ip", "webhook-secret", *REPOSITORY_BOOTSTRAP_KEYS[2:])


def file_signature(path: Path) -> FileSignature:
    """(mtime in ns, size, inode) of `path`, None when it does not exist, or (-1, -1, errno) when it cannot
    be examined (a symlink loop, a permission problem): loading then reports the problem once."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    except OSError as error:
        return -1, -1, error.errno or 0
    return status.st_mtime_ns, status.st_size, status.st_ino


def restart_required_changes(old: ServerConfig, new: ServerConfig) -> tuple[str, ...]:
    """Config keys that changed but only take effect after a restart."""
    return tuple(key for attr, key in RESTART_REQUIRED_FIELDS.items() if getattr(old, attr) != getattr(new, attr))


def repositories_to_bootstrap(old: ServerConfig, new: ServerConfig) -> tuple[RepositoryEntry, ...]:
    """Repositories of `new` that are new or whose bootstrap-relevant keys changed (root or entry)."""
    if any(old.raw.get(key) != new.raw.get(key) for key in ROOT_BOOTSTRAP_KEYS):
        return new.repositories()
    old_entries = {entry.key: entry for entry in old.repositories()}
    changed = []
    for entry in new.repositories():
        previous = old_entries.get(entry.key)
        if previous is None or any(previous.raw.get(key) != entry.raw.get(key) for key in REPOSITORY_BOOTSTRAP_KEYS):
            changed.append(entry)
    return tuple(changed)


class ConfigWatcher:
    """Holds the current config snapshot and replaces it when `config.yaml` changes and is valid."""

    def __init__(self, data_dir: Path, initial: ServerConfig, on_change: OnConfigChange) -> None:
        self._path = data_dir / CONFIG_FILE_NAME
        self._data_dir = data_dir
        self._current = initial
        self._on_change = on_change
        self._signature = file_signature(self._path)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def current(self) -> ServerConfig:
        """The last valid snapshot."""
        return self._current

    async def check_now(self, *, force: bool = False) -> bool:
        """Reload if the file changed (or `force`, e.g. on SIGHUP); True when a new snapshot was swapped in."""
        signature = file_signature(self._path)
        if signature == self._signature and not force:
            return False
        self._signature = signature
        try:
            new = await asyncio.to_thread(load_config, self._data_dir)
        except ConfigError as error:
            LOGGER.error(
                "Configuration reload of %s failed, keeping the last good one:\n%s", self._path, "\n".join(error.errors)
            )
            return False
        except Exception:
            LOGGER.exception("Configuration reload of %s failed, keeping the last good one", self._path)
            return False
        old, self._current = self._current, new
        LOGGER.info("Configuration reloaded")
        for key in restart_required_changes(old, new):
            LOGGER.warning("Configuration key %s changed; it takes effect after a restart", key)
        try:
            await self._on_change(old, new)
        except Exception:
            LOGGER.exception("Applying the reloaded configuration failed")
        return True

    async def run(self, interval: float = 5.0) -> None:
        """Check the file every `interval` seconds until cancelled; no failure of one check ends the loop."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.check_now()
            except Exception:
                LOGGER.exception("Checking %s for changes failed; trying again in %.0f s", self._path, interval)
