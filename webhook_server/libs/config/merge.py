"""Precedence and merge rules between config layers (spec config.md §7), as pure functions on mappings.

Layers are ordered most specific first: repo-local file, `repositories.<entry>`, root of config.yaml.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

from webhook_server.libs.config.model import BranchProtection

LOGGER = logging.getLogger(__name__)

Layer = Mapping[str, Any]
CONVERSATION_RESOLUTION_KEY = "branch-protection.required_conversation_resolution"
_BRANCH_PROTECTION_FIELDS = frozenset(item.name for item in fields(BranchProtection))


def value_at(layer: Layer, dotted_key: str) -> Any:
    """The value at `dotted_key` in one layer, walking nested maps; None when absent."""
    current: Any = layer
    for part in dotted_key.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def lookup_with_index(layers: Sequence[Layer], dotted_key: str) -> tuple[Any, int | None]:
    """The first non-null value of `dotted_key` and the index of the layer it came from.

    Explicit `false`, `[]` and `""` win; an explicit null falls through. The value is returned whole.
    """
    for index, layer in enumerate(layers):
        value = value_at(layer, dotted_key)
        if value is not None:
            return value, index
    return None, None


def generic_lookup(layers: Sequence[Layer], dotted_key: str, default: Any = None) -> Any:
    """Spec config.md §7 generic lookup: first non-null value across the layers, else `default`."""
    value, _ = lookup_with_index(layers, dotted_key)
    return default if value is None else value


def merge_labels(root: Layer, repository: Layer, local: Layer) -> dict[str, Any]:
    """Effective `labels` block: repository block (else root) with the local block's keys and colours on top.

    Root and repository blocks are not merged with each other when the repository has one.
    """
    base: Mapping[str, Any] = repository["labels"] if "labels" in repository else root.get("labels", {})
    overlay: Mapping[str, Any] = local.get("labels", base)
    merged = {**base, **overlay}
    colors = {**base.get("colors", {}), **overlay.get("colors", {})}
    if colors:
        merged["colors"] = colors
    return merged


def merge_branch_protection(root: Layer, repository: Layer) -> BranchProtection:
    """Protection applied at bootstrap: built-in defaults <- root block <- repository block, field by field."""
    settings: dict[str, Any] = {}
    for layer in (root, repository):
        block = layer.get("branch-protection", {})
        settings.update({key: value for key, value in block.items() if key in _BRANCH_PROTECTION_FIELDS})
    return BranchProtection(**settings)


def conversation_resolution_required(layers: Sequence[Layer]) -> bool:
    """Runtime conversation gate: the first boolean found across the layers; default true."""
    for layer in layers:
        value = value_at(layer, CONVERSATION_RESOLUTION_KEY)
        if isinstance(value, bool):
            return value
        if value is not None:
            LOGGER.warning("Ignoring non-boolean %s: %r", CONVERSATION_RESOLUTION_KEY, value)
    return True


def effective_tokens(root: Layer, repository: Layer) -> tuple[str, ...]:
    """Token pool of a repository: its own list when it has one, else the root list."""
    tokens = repository.get("github-tokens")
    if tokens is None:
        tokens = root.get("github-tokens", ())
    return tuple(tokens)
