"""The immutable server-wide config snapshot: root keys, repository entries and delivery matching."""

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

LOGGER = logging.getLogger(__name__)

DEFAULT_GITHUB_API_URL = "https://api.github.com"
PRIVATE_KEY_FILE_NAME = "webhook-server.private-key.pem"
CONFIG_FILE_NAME = "config.yaml"


class ConfigError(Exception):
    """The config cannot be used. `errors` holds one `config.yaml: dotted.path: message` line per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class ConfigMissingError(ConfigError):
    """`config.yaml` does not exist at `path`."""

    def __init__(self, path: Path) -> None:
        super().__init__([f"{CONFIG_FILE_NAME}: <root>: file not found: {path}"])
        self.path = path


@dataclass(frozen=True)
class LogViewerAuth:
    """Credentials accepted by the log viewer, MCP and metrics endpoints."""

    bearer_token: str | None
    basic_username: str | None
    basic_password: str | None
    allowed_origins: tuple[str, ...]


@dataclass(frozen=True)
class SandboxConfig:
    """The `sandbox` block and `unsafe-run-checks-without-sandbox` (root only)."""

    bwrap_path: str = "bwrap"
    memory_mb: int = 4096
    max_processes: int = 1024
    read_only_paths: tuple[str, ...] = ()
    uid: int = 65534
    unsafe_without_sandbox: bool = False


def _sandbox_config(document: Mapping[str, Any]) -> SandboxConfig:
    block = document.get("sandbox", {})
    return SandboxConfig(
        bwrap_path=block.get("bwrap-path", "bwrap"),
        memory_mb=block.get("memory-mb", 4096),
        max_processes=block.get("max-processes", 1024),
        read_only_paths=tuple(block.get("read-only-paths", ())),
        uid=block.get("uid", 65534),
        unsafe_without_sandbox=document.get("unsafe-run-checks-without-sandbox", False),
    )


@dataclass(frozen=True)
class RepositoryEntry:
    """One `repositories.<key>` entry. `full_name` is `name`, else the key (a key may hold `owner/repo`)."""

    key: str
    full_name: str
    short_name: str
    raw: Mapping[str, Any]

    @property
    def configured_name(self) -> str | None:
        """The full name this entry is matched by (spec config.md §3.3 rule 1), if it declares one."""
        name: str | None = self.raw.get("name")
        if name is None and "/" in self.key:
            return self.key
        return name


def repository_entry(key: str, raw: Mapping[str, Any]) -> RepositoryEntry:
    """Build the entry for `repositories.<key>`."""
    full_name = raw.get("name") or key
    return RepositoryEntry(key=key, full_name=full_name, short_name=full_name.rsplit("/", 1)[-1], raw=raw)


@dataclass(frozen=True)
class ServerConfig:
    """Immutable snapshot of a validated `config.yaml`. `raw` is the validated document (null keys removed)."""

    data_dir: Path
    raw: Mapping[str, Any]
    github_api_url: str
    webhook_secret: str | None
    webhook_ip: str | None
    ip_bind: str
    port: int
    max_workers: int
    max_concurrent_jobs: int
    verify_github_ips: bool
    verify_cloudflare_ips: bool
    github_app_id: int | None
    github_tokens: tuple[str, ...]
    log_level: str
    log_file: str | None
    mask_sensitive_data: bool
    log_retention_days: int
    delivery_ledger_retention_days: int
    check_timeout_minutes: int
    log_viewer: LogViewerAuth | None
    mcp_log_file: str
    logs_server_log_file: str
    disable_ssl_warnings: bool
    private_key_path: Path
    sandbox: SandboxConfig = SandboxConfig()
    ledger_url: str | None = None
    ledger_lease_seconds: int = 30
    worker_niceness: int = 19
    github_writes_per_minute: float | None = None
    _entries: tuple[RepositoryEntry, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        entries = tuple(repository_entry(key, raw) for key, raw in self.raw["repositories"].items())
        object.__setattr__(self, "_entries", entries)

    def repositories(self) -> tuple[RepositoryEntry, ...]:
        """Every configured repository entry, in config order."""
        return self._entries

    def find_repository(self, full_name: str) -> RepositoryEntry | None:
        """The entry for a delivery's `repository.full_name` (spec config.md §3.3), or None."""
        wanted = full_name.casefold()
        for entry in self._entries:
            name = entry.configured_name
            if name is not None and name.casefold() == wanted:
                return entry
        short_name = full_name.rsplit("/", 1)[-1]
        for entry in self._entries:
            if entry.key != short_name:
                continue
            if entry.configured_name is None:
                return replace(entry, full_name=full_name, short_name=short_name)
            LOGGER.warning(
                "Repository %s matches the entry repositories.%s by short name, but that entry's name is %s; "
                "the repository is not configured",
                full_name,
                entry.key,
                entry.configured_name,
            )
        return None

    def all_secret_values(self) -> tuple[str, ...]:
        """Every secret in the config (for exact-value masking), without duplicates or empty strings."""
        unique = dict.fromkeys(value for value in _secret_values(self.raw) if value)
        return tuple(unique)


def _block_secrets(block: Mapping[str, Any]) -> Iterator[str]:
    """Secrets of the keys shared by the root and repository entries."""
    yield from block.get("github-tokens", ())
    yield from _optional(block.get("container", {}).get("password"))
    yield from _optional(block.get("pypi", {}).get("token"))
    yield from _optional(block.get("slack-webhook-url"))


def _optional(value: str | None) -> Iterator[str]:
    if value is not None:
        yield value


def _secret_values(raw: Mapping[str, Any]) -> Iterator[str]:
    yield from _block_secrets(raw)
    yield from _optional(raw.get("webhook-secret"))
    yield from _optional(urlsplit(raw.get("ledger-url", "")).password)
    yield from _optional(raw.get("docker", {}).get("password"))
    log_viewer = raw.get("log-viewer", {})
    yield from _optional(log_viewer.get("bearer-token"))
    yield from _optional(log_viewer.get("basic-auth", {}).get("password"))
    for entry in raw["repositories"].values():
        yield from _block_secrets(entry)


def _log_viewer_auth(raw: Mapping[str, Any]) -> LogViewerAuth | None:
    block = raw.get("log-viewer")
    if block is None:
        return None
    basic = block.get("basic-auth", {})
    return LogViewerAuth(
        bearer_token=block.get("bearer-token"),
        basic_username=basic.get("username"),
        basic_password=basic.get("password"),
        allowed_origins=tuple(block.get("allowed-origins", ())),
    )


def server_config_from_document(data_dir: Path, document: Mapping[str, Any]) -> ServerConfig:
    """Build the typed snapshot from a schema-valid, null-stripped config document."""
    max_workers: int = document.get("max-workers", 10)
    return ServerConfig(
        data_dir=data_dir,
        raw=MappingProxyType(dict(document)),
        github_api_url=document.get("github-api-url", DEFAULT_GITHUB_API_URL).rstrip("/"),
        webhook_secret=document.get("webhook-secret"),
        webhook_ip=document.get("webhook-ip"),
        ip_bind=document.get("ip-bind", "0.0.0.0"),  # noqa: S104 - the documented default listen address
        port=document.get("port", 5000),
        max_workers=max_workers,
        max_concurrent_jobs=document.get("max-concurrent-jobs", max_workers),
        verify_github_ips=document.get("verify-github-ips", False),
        verify_cloudflare_ips=document.get("verify-cloudflare-ips", False),
        github_app_id=document.get("github-app-id"),
        github_tokens=tuple(document.get("github-tokens", ())),
        log_level=document.get("log-level", "INFO"),
        log_file=document.get("log-file"),
        mask_sensitive_data=document.get("mask-sensitive-data", True),
        log_retention_days=document.get("log-retention-days", 30),
        delivery_ledger_retention_days=document.get("delivery-ledger-retention-days", 7),
        check_timeout_minutes=document.get("check-timeout-minutes", 30),
        log_viewer=_log_viewer_auth(document),
        mcp_log_file=document.get("mcp-log-file", "mcp_server.log"),
        logs_server_log_file=document.get("logs-server-log-file", "logs_server.log"),
        disable_ssl_warnings=document.get("disable-ssl-warnings", False),
        private_key_path=data_dir / PRIVATE_KEY_FILE_NAME,
        sandbox=_sandbox_config(document),
        ledger_url=document.get("ledger-url"),
        ledger_lease_seconds=document.get("ledger-lease-seconds", 30),
        worker_niceness=document.get("worker-niceness", 19),
        github_writes_per_minute=document.get("github-writes-per-minute"),
    )
