"""Public config API: where the data dir is, loading and validating config, typed views and reload.

The work is done in the `config_*` modules; import from here.
"""

import os
from pathlib import Path

from webhook_server.libs.config_load import config_from_document, load_config, validate_local_config
from webhook_server.libs.config_model import (
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
from webhook_server.libs.config_repository import repository_config
from webhook_server.libs.config_server import (
    CONFIG_FILE_NAME,
    PRIVATE_KEY_FILE_NAME,
    ConfigError,
    ConfigMissingError,
    LogViewerAuth,
    RepositoryEntry,
    ServerConfig,
)
from webhook_server.libs.config_watch import ConfigWatcher, repositories_to_bootstrap, restart_required_changes

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
