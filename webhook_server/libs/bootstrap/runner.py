"""Bootstrap of configured repositories: the phase sequence of one repository, up to 4 repositories at a
time, isolation of failures, and the `Bootstrap <owner/repo>: ok|failed (...)` line (`bootstrap.md` §1-§2)."""

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from github import GithubException

from webhook_server.libs.bootstrap.hook_records import HookRecords
from webhook_server.libs.bootstrap.labels import sync_labels
from webhook_server.libs.bootstrap.model import (
    ActiveJobCheck,
    BootstrapResult,
    PhaseError,
    PhaseFailure,
    RepositoryTarget,
    RerunCheck,
    describe_github_error,
)
from webhook_server.libs.bootstrap.podman_login import docker_login
from webhook_server.libs.bootstrap.protection import protect_branches
from webhook_server.libs.bootstrap.recovery import CheckRecovery
from webhook_server.libs.bootstrap.rest import rest_get_or_none
from webhook_server.libs.bootstrap.settings import apply_repository_settings
from webhook_server.libs.bootstrap.webhooks import sync_webhook
from webhook_server.libs.config import RepositoryEntry, ServerConfig, repository_config
from webhook_server.libs.github.app import AppNotInstalledError, GithubApp
from webhook_server.libs.github.auth import TOKEN_CHOICES, TokenChoices, choose_token
from webhook_server.libs.github.repository_context import GithubAccess, RepositoryContext
from webhook_server.libs.github.token_pool import NoApiTokenError
from webhook_server.utils.metrics import BOOTSTRAP_REPOSITORIES_TOTAL

LOGGER = logging.getLogger(__name__)

MAX_PARALLEL_REPOSITORIES = 4


class Phase(StrEnum):
    """Phase names as they appear in logs and in the result line."""

    TOKEN_POOL = "token-pool"  # noqa: S105 - a phase name, not a credential
    APP = "app"
    REPOSITORY = "repository"
    LABELS = "labels"
    SETTINGS = "settings"
    PROTECTION = "protection"
    WEBHOOK = "webhook"
    RECOVERY = "recovery"


WRITE_PHASES = (Phase.LABELS, Phase.SETTINGS, Phase.PROTECTION, Phase.WEBHOOK, Phase.RECOVERY)


@dataclass(frozen=True)
class BootstrapServices:
    """What every repository's bootstrap shares."""

    server: ServerConfig
    access: GithubAccess
    records: HookRecords
    rerun_check: RerunCheck | None
    active_job: ActiveJobCheck | None


@dataclass
class RepositoryRun:
    """Collects one repository's phase failures and skipped phases."""

    repository: str
    failures: list[PhaseFailure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def fail(self, phase: Phase, reason: str, *, log: bool = True) -> None:
        if log:
            LOGGER.error("Bootstrap %s: phase %s failed: %s", self.repository, phase, reason)
        self.failures.append(PhaseFailure(phase, reason))

    async def phase(self, phase: Phase, work: Awaitable[None]) -> None:
        """Run one phase; a failure is recorded (and logged at ERROR) and the caller goes on."""
        try:
            await work
        except PhaseError as error:  # the phase has already logged the details
            self.fail(phase, error.reason, log=False)
        except GithubException as error:
            self.fail(phase, describe_github_error(error))
        except Exception as error:  # isolation boundary: one phase never stops the others
            LOGGER.exception("Bootstrap %s: phase %s failed unexpectedly", self.repository, phase)
            self.fail(phase, f"{type(error).__name__}: {error}", log=False)

    def result(self) -> BootstrapResult:
        return BootstrapResult(self.repository, tuple(self.failures), tuple(self.skipped))


def _pool_name(entry: RepositoryEntry) -> str:
    if "github-tokens" in entry.raw:
        return f"repositories.{entry.key}.github-tokens"
    return "github-tokens (root)"


async def _api_login(context: RepositoryContext, run: RepositoryRun) -> str | None:
    """Phase 1a: the pool has a usable token; the login of the token this task uses."""
    await context.pooled.probe()
    try:
        return choose_token(context.pooled.pool).login
    except NoApiTokenError:
        run.fail(Phase.TOKEN_POOL, f"no usable token in {_pool_name(context.entry)}")
        return None


async def _installed_app(context: RepositoryContext, run: RepositoryRun) -> GithubApp | None:
    """Phase 1b: look up the App's installation; None (recovery is then skipped) when it is missing."""
    app = context.app
    assert app is not None, "config validation guarantees a github-app-id for every repository"
    try:
        await app.installation_id(context.full_name)
    except AppNotInstalledError as error:
        run.fail(Phase.APP, f"{error}; check-run recovery is skipped")
        return None
    except GithubException as error:
        run.fail(Phase.APP, f"{describe_github_error(error)}; check-run recovery is skipped")
        return None
    return app


async def _repository_data(context: RepositoryContext, run: RepositoryRun) -> dict[str, object] | None:
    """Phase 2: `GET /repos/{owner}/{repo}`; a 404 or 403 skips the repository with a permission hint."""
    try:
        data: dict[str, object] | None = await rest_get_or_none(context.pooled.github, f"/repos/{context.full_name}")
    except GithubException as error:
        run.fail(Phase.REPOSITORY, f"{describe_github_error(error)}; check the token's repository permissions")
        return None
    if data is None:
        run.fail(Phase.REPOSITORY, "not found (404); check that the token can access the repository")
    return data


async def _write_phases(
    services: BootstrapServices, target: RepositoryTarget, app: GithubApp | None, run: RepositoryRun
) -> None:
    """Phases 3-7 in order; each failure is recorded and the next phase still runs."""
    await run.phase(Phase.LABELS, sync_labels(target))
    await run.phase(Phase.SETTINGS, apply_repository_settings(target))
    await run.phase(Phase.PROTECTION, protect_branches(target))
    if services.server.webhook_ip is None:
        run.skipped.append(Phase.WEBHOOK)
    else:
        await run.phase(Phase.WEBHOOK, sync_webhook(target, services.server.webhook_ip, services.records))
    if app is None:
        run.skipped.append(Phase.RECOVERY)
        return
    recovery = CheckRecovery(target, app, services.rerun_check, services.active_job)
    await run.phase(Phase.RECOVERY, recovery.run())


async def _run_phases(services: BootstrapServices, entry: RepositoryEntry, run: RepositoryRun) -> None:
    """The phase sequence of one repository (`bootstrap.md` §2)."""
    TOKEN_CHOICES.set(TokenChoices())  # this task's own token choice, so a failover stays per repository
    config = repository_config(services.server, entry)
    context = services.access.repository(entry, config.github_tokens, config.github_app_id)
    api_login = await _api_login(context, run)
    if api_login is None:
        return
    app = await _installed_app(context, run)
    data = await _repository_data(context, run)
    if data is None:
        return
    target = RepositoryTarget(services.server, config, context.pooled.github, api_login, data)
    if data["archived"]:
        LOGGER.warning("Bootstrap %s: the repository is archived; skipping every write phase", entry.full_name)
        run.skipped.extend(WRITE_PHASES)
        return
    await _write_phases(services, target, app, run)


async def bootstrap_repository(services: BootstrapServices, entry: RepositoryEntry) -> BootstrapResult:
    """Bootstrap one repository, contain every failure, log the result line and count it."""
    run = RepositoryRun(entry.full_name)
    try:
        await _run_phases(services, entry, run)
    except Exception as error:  # isolation boundary: never let one repository stop the others
        LOGGER.exception("Bootstrap %s failed unexpectedly", entry.full_name)
        run.fail(Phase.REPOSITORY, f"{type(error).__name__}: {error}", log=False)
    result = run.result()
    LOGGER.info(result.summary_line())
    BOOTSTRAP_REPOSITORIES_TOTAL.labels(result="ok" if result.ok else "failed").inc()
    return result


async def bootstrap_repositories(
    config: ServerConfig,
    access: GithubAccess,
    entries: Sequence[RepositoryEntry],
    *,
    rerun_check: RerunCheck | None = None,
    active_job: ActiveJobCheck | None = None,
) -> dict[str, BootstrapResult]:
    """Bootstrap `entries`, up to 4 at a time, each independently; results by repository full name.

    `rerun_check` runs a recovered check again (None: recovered runs are only re-queued); `active_job`
    tells whether the ledger already has a queued or running job for a check (those runs are left alone).
    """
    if config.webhook_ip is None:
        LOGGER.warning("webhook-ip is not set; repository webhooks are not created or updated")
    services = BootstrapServices(config, access, HookRecords(config.data_dir), rerun_check, active_job)
    slots = asyncio.Semaphore(MAX_PARALLEL_REPOSITORIES)

    async def bootstrap_in_slot(entry: RepositoryEntry) -> BootstrapResult:
        async with slots:
            return await bootstrap_repository(services, entry)

    results = await asyncio.gather(*(bootstrap_in_slot(entry) for entry in entries))
    return {result.repository: result for result in results}


async def startup_bootstrap(
    config: ServerConfig,
    access: GithubAccess,
    *,
    rerun_check: RerunCheck | None = None,
    active_job: ActiveJobCheck | None = None,
) -> dict[str, BootstrapResult]:
    """The start-up work: `podman login` once, then every configured repository."""
    await docker_login(config)
    return await bootstrap_repositories(
        config, access, config.repositories(), rerun_check=rerun_check, active_job=active_job
    )
