"""Phase 5: branch protection with the computed required checks for each protected branch (`bootstrap.md` §4)."""

import logging
from collections.abc import Awaitable
from typing import TypeVar

from github import GithubException

from webhook_server.libs.bootstrap.model import PhaseError, RepositoryTarget, describe_github_error
from webhook_server.libs.bootstrap.protection_body import desired_put_body, protection_differs, put_form
from webhook_server.libs.bootstrap.rest import path_segment, rest_get_or_none, rest_write
from webhook_server.libs.config import ProtectedBranch
from webhook_server.libs.config.rule_inputs import enabled_checks
from webhook_server.libs.rules.checks import branch_protection_required_checks

LOGGER = logging.getLogger(__name__)

PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
FORBIDDEN = 403

T = TypeVar("T")


class PlanRefusedError(Exception):
    """GitHub refused protection on a private repository (its plan does not include it)."""


async def has_pre_commit_config(target: RepositoryTarget) -> bool:
    """Whether `.pre-commit-config.yaml` exists on the default branch (an unexpected error: WARNING, False)."""
    url = f"/repos/{target.full_name}/contents/{PRE_COMMIT_CONFIG}"
    try:
        found = await rest_get_or_none(target.github, url, {"ref": target.default_branch})
    except GithubException as error:
        LOGGER.warning(
            "%s: could not look for %s (%s); not requiring 'pre-commit.ci - pr'",
            target.full_name,
            PRE_COMMIT_CONFIG,
            describe_github_error(error),
        )
        return False
    return found is not None


class BranchProtector:
    """Protects the branches of one repository; the pre-commit.ci lookup is done at most once."""

    def __init__(self, target: RepositoryTarget) -> None:
        self.target = target
        self._pre_commit_config: bool | None = None

    async def required_checks(self, rule: ProtectedBranch) -> tuple[str, ...]:
        """The required contexts of a branch (`bootstrap.md` §4.2)."""
        config = self.target.config
        if rule.include_runs:
            return rule.include_runs
        if self._pre_commit_config is None:
            self._pre_commit_config = await has_pre_commit_config(self.target)
        return branch_protection_required_checks(
            enabled_checks(config),
            exclude_runs=rule.exclude_runs,
            default_status_checks=config.default_status_checks,
            has_pre_commit_config=self._pre_commit_config,
        )

    async def protect(self, branch: str, rule: ProtectedBranch) -> bool:
        """Protect one branch; False when the branch does not exist. Raises PlanRefusedError."""
        target = self.target
        branch_url = f"/repos/{target.full_name}/branches/{path_segment(branch)}"
        if await rest_get_or_none(target.github, branch_url) is None:
            return False
        current = put_form(await self._current_protection(f"{branch_url}/protection"))
        desired = desired_put_body(
            current, target.config.branch_protection, await self.required_checks(rule), target.api_login
        )
        if not protection_differs(current, desired):
            LOGGER.debug("%s: protection of %s is up to date", target.full_name, branch)
            return True
        await self._guarded(rest_write(target.github, "PUT", f"{branch_url}/protection", desired))
        LOGGER.info("%s: protected branch %s", target.full_name, branch)
        return True

    async def _current_protection(self, url: str) -> dict[str, object] | None:
        """The protection in GitHub's read form; None for an unprotected branch (404)."""
        current: dict[str, object] | None = await self._guarded(rest_get_or_none(self.target.github, url))
        return current

    async def _guarded(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except GithubException as error:
            if error.status == FORBIDDEN and self.target.private:
                raise PlanRefusedError(describe_github_error(error)) from error
            raise


async def protect_branches(target: RepositoryTarget) -> None:
    """Protect every configured branch; a missing branch is an ERROR and the others continue."""
    protector = BranchProtector(target)
    missing: list[str] = []
    for branch, rule in target.config.protected_branches.items():
        try:
            found = await protector.protect(branch, rule)
        except PlanRefusedError as refusal:
            LOGGER.warning(
                "%s: GitHub refused branch protection for this private repository (%s); skipping protection",
                target.full_name,
                refusal,
            )
            return
        if not found:
            LOGGER.error("%s: protected branch %s does not exist; skipping it", target.full_name, branch)
            missing.append(branch)
    if missing:
        raise PhaseError(f"branch not found: {', '.join(missing)}")
