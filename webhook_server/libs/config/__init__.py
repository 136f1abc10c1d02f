"""Configuration: where the data dir is, the JSON Schema validation of `config.yaml` and
`.github-webhook-server.yaml`, the typed `ServerConfig` / `RepositoryConfig` views with their merge
rules, rule inputs derived from them, and the reload watcher. Import the public names from here. May
import `rules/` and `utils/` only.
"""

import os
from pathlib import Path

from webhook_server.libs.config.load import config_from_document, load_config, validate_local_config
from webhook_server.libs.config.model import (
    AiCherryPickConflicts,
    AiConventionalTitle,
    AiFeatures,
    BranchProtection,
    ContainerConfig,
    CustomCheckRun,
    LabelsConfig,
    OciAnnotations,
    ProtectedBranch,
    RepositoryConfig,
    SecurityChecks,
    SizeBucket,
    TestOracleConfig,
    ToxConfig,
)
from webhook_server.libs.config.repository import repository_config
from webhook_server.libs.config.server import (
    CONFIG_FILE_NAME,
    PRIVATE_KEY_FILE_NAME,
    ConfigError,
    ConfigMissingError,
    LogViewerAuth,
    RepositoryEntry,
    SandboxConfig,
    ServerConfig,
)
from webhook_server.libs.config.watch import ConfigWatcher, repositories_to_bootstrap, restart_required_changes

DEFAULT_DATA_DIR = "/home/podman/data"
DATA_DIR_ENV_VAR = "WEBHOOK_SERVER_DATA_DIR"

__all__ = [
    "CONFIG_FILE_NAME",
    "DATA_DIR_ENV_VAR",
    "DEFAULT_DATA_DIR",
    "PRIVATE_KEY_FILE_NAME",
    "AiCherryPickConflicts",
    "AiConventionalTitle",
    "AiFeatures",
    "BranchProtection",
    "ConfigError",
    "ConfigMissingError",
    "ConfigWatcher",
    "ContainerConfig",
    "CustomCheckRun",
    "LabelsConfig",
    "LogViewerAuth",
    "OciAnnotations",
    "ProtectedBranch",
    "RepositoryConfig",
    "RepositoryEntry",
    "SandboxConfig",
    "SecurityChecks",
    "ServerConfig",
    "SizeBucket",
    "TestOracleConfig",
    "ToxConfig",
    "config_from_document",
    "data_dir_from_env",
    "load_config",
    "repositories_to_bootstrap",
    "repository_config",
    "restart_required_changes",
    "validate_local_config",
]


def data_dir_from_env() -> Path:
    """The data dir: `WEBHOOK_SERVER_DATA_DIR`, or `/home/podman/data` when unset or empty."""
    return Path(os.environ.get(DATA_DIR_ENV_VAR) or DEFAULT_DATA_DIR)
