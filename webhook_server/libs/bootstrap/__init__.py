"""Startup bootstrap of configured repositories (`bootstrap.md`): labels, settings,
branch protection, webhooks and stale check-run recovery, plus the one-time `podman login`. May import
`github/`, `process/`, `config/`, `rules/` and `utils/`.
"""

from webhook_server.libs.bootstrap.model import ActiveJobCheck, BootstrapResult, PhaseFailure, RerunCheck
from webhook_server.libs.bootstrap.podman_login import docker_login
from webhook_server.libs.bootstrap.runner import (
    MAX_PARALLEL_REPOSITORIES,
    bootstrap_repositories,
    bootstrap_repository,
    startup_bootstrap,
)

__all__ = [
    "MAX_PARALLEL_REPOSITORIES",
    "ActiveJobCheck",
    "BootstrapResult",
    "PhaseFailure",
    "RerunCheck",
    "bootstrap_repositories",
    "bootstrap_repository",
    "docker_login",
    "startup_bootstrap",
]
