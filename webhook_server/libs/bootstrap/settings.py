"""Phase 4: repository settings (`bootstrap.md` §3.2), each applied on its own and only when not yet set."""

import logging
from collections.abc import Mapping
from typing import Any

from github import GithubException

from webhook_server.libs.bootstrap.model import RepositoryTarget, describe_github_error
from webhook_server.libs.bootstrap.rest import rest_write

LOGGER = logging.getLogger(__name__)

ALWAYS_ON_SETTINGS = ("delete_branch_on_merge", "allow_auto_merge", "allow_update_branch")
PUBLIC_SECURITY_FEATURES = ("secret_scanning", "secret_scanning_push_protection")
ENABLED = "enabled"


def missing_settings(repository: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(setting name, PATCH body) for every setting the repository does not have yet."""
    changes: list[tuple[str, dict[str, Any]]] = [
        (name, {name: True}) for name in ALWAYS_ON_SETTINGS if repository.get(name) is not True
    ]
    if repository["private"]:
        return changes
    security = repository.get("security_and_analysis") or {}
    for feature in PUBLIC_SECURITY_FEATURES:
        if (security.get(feature) or {}).get("status") != ENABLED:
            changes.append((feature, {"security_and_analysis": {feature: {"status": ENABLED}}}))
    return changes


async def apply_repository_settings(target: RepositoryTarget) -> None:
    """PATCH each missing setting separately; a refused one is a WARNING and the others still go."""
    for name, body in missing_settings(target.data):
        try:
            await rest_write(target.github, "PATCH", f"/repos/{target.full_name}", body)
        except GithubException as error:
            LOGGER.warning("%s: could not set %s: %s", target.full_name, name, describe_github_error(error))
            continue
        LOGGER.info("%s: set %s", target.full_name, name)
