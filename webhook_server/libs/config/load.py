"""Read, validate (schema + semantic checks) and snapshot `config.yaml`; validate repo-local documents."""

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from webhook_server.libs.config.blocks import shell_split_errors
from webhook_server.libs.config.merge import effective_tokens
from webhook_server.libs.config.repository import repository_config, root_layer
from webhook_server.libs.config.schema import (
    drop_nulls,
    local_schema_errors,
    server_schema_errors,
    unknown_key_paths,
)
from webhook_server.libs.config.server import (
    CONFIG_FILE_NAME,
    PRIVATE_KEY_FILE_NAME,
    ConfigError,
    ConfigMissingError,
    ServerConfig,
    server_config_from_document,
)

LOGGER = logging.getLogger(__name__)


def read_config_document(path: Path) -> Any:
    """The parsed YAML of `path`; raises ConfigMissingError or ConfigError (YAML syntax)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigMissingError(path) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            [f"{CONFIG_FILE_NAME}: <root>: not valid UTF-8 ({error.reason} at byte {error.start})"]
        ) from None
    except OSError as error:
        raise ConfigError([f"{CONFIG_FILE_NAME}: <root>: cannot be read ({error.strerror or error})"]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError([f"{CONFIG_FILE_NAME}: <root>: invalid YAML: {error}"]) from None


def _duplicate_name_errors(repositories: Mapping[str, Mapping[str, Any]]) -> list[str]:
    errors = []
    first_key_by_name: dict[str, str] = {}
    for key, entry in repositories.items():
        name = entry.get("name") or (key if "/" in key else None)
        if name is None:
            continue
        first_key = first_key_by_name.setdefault(name.casefold(), key)
        if first_key != key:
            errors.append(f"repositories.{key}.name: duplicate name {name!r} (also used by repositories.{first_key})")
    return errors


def _repository_errors(document: Mapping[str, Any]) -> list[str]:
    root = root_layer(document)
    errors = []
    for key, entry in document["repositories"].items():
        if "github-app-id" not in document and "github-app-id" not in entry:
            errors.append(f"repositories.{key}.github-app-id: not set here or at the root")
        if not effective_tokens(root, entry):
            errors.append(f"repositories.{key}.github-tokens: no GitHub token here or at the root")
        errors.extend(shell_split_errors(entry, f"repositories.{key}."))
        if "name" not in entry and "/" not in key:
            LOGGER.warning("repositories.%s has no 'name' (owner/repo); it is matched by its short name only", key)
    return errors


def semantic_errors(document: Mapping[str, Any], private_key_path: Path | None) -> list[str]:
    """Checks the schema cannot express (spec config.md §6.1 step 3), as `dotted.path: message` lines."""
    errors = _duplicate_name_errors(document["repositories"])
    errors.extend(_repository_errors(document))
    errors.extend(shell_split_errors(document, ""))
    if private_key_path is not None and not private_key_path.is_file():
        errors.append(f"<root>: GitHub App private key not found: {private_key_path}")
    return errors


def config_from_document(data_dir: Path, document: object, *, require_private_key: bool = True) -> ServerConfig:
    """Validate a parsed config document and build its snapshot; raises ConfigError listing every problem."""
    stripped = drop_nulls(document)
    errors = server_schema_errors(stripped)
    if not errors:
        private_key_path = data_dir / PRIVATE_KEY_FILE_NAME if require_private_key else None
        errors = semantic_errors(stripped, private_key_path)
    if errors:
        raise ConfigError([f"{CONFIG_FILE_NAME}: {line}" for line in errors])
    for path in unknown_key_paths(stripped):
        LOGGER.warning("%s: unknown key %s (ignored; check for a typo)", CONFIG_FILE_NAME, path)
    config = server_config_from_document(data_dir, stripped)
    for entry in config.repositories():
        repository_config(config, entry)  # logs skipped custom checks and other warnings once at load
    return config


def load_config(data_dir: Path) -> ServerConfig:
    """Read `{data_dir}/config.yaml`, validate it (schema and semantic checks) and build the snapshot."""
    document = read_config_document(data_dir / CONFIG_FILE_NAME)
    return config_from_document(data_dir, document)


def validate_local_config(document: object) -> list[str]:
    """Problems of a parsed `.github-webhook-server.yaml` as `dotted.path: message` lines; [] when valid."""
    stripped = drop_nulls(document)
    errors = local_schema_errors(stripped)
    if errors:
        return errors
    return shell_split_errors(stripped, "")
