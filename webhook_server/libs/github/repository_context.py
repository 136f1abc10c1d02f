"""Per-repository GitHub access kept across deliveries: token pool client, App, repo-local config cache."""

import base64
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from github import GithubException, UnknownObjectException

from webhook_server.libs.config import RepositoryEntry, ServerConfig, validate_local_config
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.github.app import GithubApp
from webhook_server.libs.github.clients import PooledClient

LOGGER = logging.getLogger(__name__)

LOCAL_CONFIG_PATH = ".github-webhook-server.yaml"


@dataclass(frozen=True)
class LocalConfig:
    """The repo-local layer of one delivery: the document (or None), its errors (each
    `.github-webhook-server.yaml: key.path: message`) and blob SHA."""

    document: Mapping[str, Any] | None
    errors: tuple[str, ...] = ()
    blob_sha: str | None = None


EMPTY_LOCAL_CONFIG = LocalConfig(document=None)


@dataclass
class _CachedFile:
    etag: str
    local: LocalConfig


def parse_local_config(text: str, blob_sha: str | None) -> LocalConfig:
    """Parse and validate `.github-webhook-server.yaml`; any problem ignores the whole layer."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        problem = " ".join(str(error).split())  # one line
        return LocalConfig(
            document=None, errors=(f"{LOCAL_CONFIG_PATH}: <root>: invalid YAML: {problem}",), blob_sha=blob_sha
        )
    if document is None:
        return LocalConfig(document={}, blob_sha=blob_sha)
    errors = validate_local_config(document)
    if errors:
        return LocalConfig(
            document=None, errors=tuple(f"{LOCAL_CONFIG_PATH}: {line}" for line in errors), blob_sha=blob_sha
        )
    return LocalConfig(document=document, blob_sha=blob_sha)


@dataclass
class RepositoryContext:
    """What one configured repository needs to talk to GitHub."""

    entry: RepositoryEntry
    pooled: PooledClient
    app: GithubApp | None
    _local_cache: _CachedFile | None = field(default=None)
    _last_local: LocalConfig | None = field(default=None)

    @property
    def full_name(self) -> str:
        return self.entry.full_name

    async def load_local_config(self, *, reuse_last: bool = False) -> LocalConfig:
        """One conditional request per delivery; a 304 reuses the cached layer.

        `reuse_last` (a delivery that echoes the server's own write, moments after the delivery that made
        it read the file): answer with the last layer read, without a request, when there is one."""
        if reuse_last and self._last_local is not None:
            return self._last_local
        self._last_local = await self._fetch_local_config()
        return self._last_local

    async def _fetch_local_config(self) -> LocalConfig:
        headers = {"If-None-Match": self._local_cache.etag} if self._local_cache else {}
        url = f"/repos/{self.full_name}/contents/{LOCAL_CONFIG_PATH}"
        requester = self.pooled.github.requester
        try:
            response_headers, data = await github_api_call(requester.requestJsonAndCheck, "GET", url, headers=headers)
        except UnknownObjectException:
            self._local_cache = None
            return EMPTY_LOCAL_CONFIG
        except GithubException as error:
            LOGGER.error("Could not fetch %s of %s: %s %s", LOCAL_CONFIG_PATH, self.full_name, error.status, error.data)
            self._local_cache = None
            return EMPTY_LOCAL_CONFIG
        if self._local_cache is not None and not data:
            return self._local_cache.local
        text = base64.b64decode(data.get("content", "")).decode("utf-8", "replace")
        local = parse_local_config(text, data.get("sha"))
        etag = response_headers.get("etag")
        self._local_cache = _CachedFile(etag=etag, local=local) if etag else None
        return local


class GithubAccess:
    """Process-wide registry of clients: one per token list, one App per App id, contexts per repository."""

    def __init__(self, config: ServerConfig, private_key: str) -> None:
        self.api_url = config.github_api_url
        self._private_key = private_key
        self._pooled: dict[tuple[str, ...], PooledClient] = {}
        self._apps: dict[int, GithubApp] = {}
        self._repositories: dict[str, RepositoryContext] = {}

    def pooled_for(self, tokens: tuple[str, ...]) -> PooledClient:
        client = self._pooled.get(tokens)
        if client is None:
            client = PooledClient(self.api_url, tokens)
            self._pooled[tokens] = client
        return client

    def app_for(self, app_id: int | None) -> GithubApp | None:
        if app_id is None:
            return None
        app = self._apps.get(app_id)
        if app is None:
            app = GithubApp(self.api_url, app_id, self._private_key)
            self._apps[app_id] = app
        return app

    def repository(self, entry: RepositoryEntry, tokens: tuple[str, ...], app_id: int | None) -> RepositoryContext:
        """The cached context of a repository (rebuilt when its token list or App changes)."""
        context = self._repositories.get(entry.full_name)
        pooled = self.pooled_for(tokens)
        app = self.app_for(app_id)
        if context is None or context.pooled is not pooled or context.app is not app or context.entry != entry:
            context = RepositoryContext(entry=entry, pooled=pooled, app=app)
            self._repositories[entry.full_name] = context
        return context

    async def probe_all(self) -> None:
        """Probe every pool's tokens (startup, and unusable ones again later)."""
        for pooled in self._pooled.values():
            await pooled.probe()
