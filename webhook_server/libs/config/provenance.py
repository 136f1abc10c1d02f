"""Provenance of effective config values: which layer (repo-local file, repository entry, server root,
built-in default) set a key, named precisely enough for `/explain` (file, commit, key path)."""

from collections.abc import Iterable, Mapping
from typing import Any

from webhook_server.libs.config.merge import lookup_with_index
from webhook_server.libs.config.repository import root_layer, split_local_layer
from webhook_server.libs.config.schema import drop_nulls
from webhook_server.libs.config.server import RepositoryEntry, ServerConfig
from webhook_server.libs.rules.explain import ConfigLayer, ConfigOrigin

LOCAL_FILE = ".github-webhook-server.yaml"
_LAYERS = (ConfigLayer.LOCAL, ConfigLayer.REPOSITORY, ConfigLayer.SERVER)


def _location(layer: ConfigLayer, key: str, entry: RepositoryEntry, local_commit: str | None) -> str:
    if layer is ConfigLayer.LOCAL:
        at = f" at commit {local_commit[:12]}" if local_commit else ""
        return f"`{LOCAL_FILE}`{at}: `{key}`"
    if layer is ConfigLayer.REPOSITORY:
        return f"`config.yaml`: `repositories.{entry.key}.{key}`"
    if layer is ConfigLayer.SERVER:
        return f"`config.yaml`: `{key}`"
    return f"built-in default of `{key}`"


def config_origins(
    server: ServerConfig,
    entry: RepositoryEntry,
    *,
    local: Mapping[str, Any] | None,
    local_commit: str | None,
    keys: Iterable[str],
    defaults: Mapping[str, Any],
) -> dict[str, ConfigOrigin]:
    """The origin of each dotted key with the precedence of `repository_config` (local > entry > root)."""
    honoured_local, _ = split_local_layer(drop_nulls(local or {}))
    layers = (honoured_local, entry.raw, root_layer(server.raw))
    origins = {}
    for key in keys:
        value, index = lookup_with_index(layers, key)
        layer = ConfigLayer.DEFAULT if index is None else _LAYERS[index]
        shown = defaults.get(key) if index is None else value
        origins[key] = ConfigOrigin(key, shown, layer, _location(layer, key, entry, local_commit))
    return origins
