"""Glue between startup recovery and the check service: re-run a check left unfinished by a previous
process, and tell bootstrap whether a check already has a live job."""

import logging
from dataclasses import dataclass

from github import GithubException

from webhook_server.libs.checks.service import CheckService
from webhook_server.libs.config import RepositoryConfig, ServerConfig, repository_config
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.github.auth import TOKEN_CHOICES, TokenChoices
from webhook_server.libs.github.repository_context import GithubAccess, RepositoryContext
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.pipeline.ledger.jobs import JobState
from webhook_server.libs.rules.checks import CAN_BE_MERGED

LOGGER = logging.getLogger(__name__)

RECOVERY_DELIVERY_ID = "startup-recovery"
LIVE_JOB_STATES = (JobState.QUEUED, JobState.RUNNING)


@dataclass(frozen=True)
class PullRefs:
    """The refs of an open PR, as the check service needs them."""

    number: int
    head_sha: str
    head_ref: str
    base_ref: str
    base_sha: str


class CheckRecovery:
    """`rerun_check` and `active_job` callbacks for bootstrap, plus the resolver for resumed jobs."""

    def __init__(self, config: ServerConfig, access: GithubAccess, ledger: Ledger, checks: CheckService) -> None:
        self.config = config
        self.access = access
        self.ledger = ledger
        self.checks = checks

    async def resolve_repository(self, full_name: str) -> tuple[RepositoryContext, RepositoryConfig] | None:
        """Repository access and server-side config for a job resumed after a restart (None: not managed)."""
        entry = self.config.find_repository(full_name)
        if entry is None:
            return None
        repo_config = repository_config(self.config, entry)
        context = self.access.repository(entry, repo_config.github_tokens, repo_config.github_app_id)
        TOKEN_CHOICES.set(TokenChoices())
        await context.pooled.probe()
        return context, repo_config

    async def active_job(self, repository: str, pr_number: int, head_sha: str, name: str) -> bool:
        jobs = await self.ledger.jobs_for_pr(repository, pr_number, LIVE_JOB_STATES)
        return any(job.name == name and job.head_sha == head_sha for job in jobs)

    async def rerun_check(self, repository: str, pr_number: int, head_sha: str, name: str) -> None:
        """Start the check again as a job (command checks); other checks follow the PR's next event."""
        if name == CAN_BE_MERGED or name not in self._command_checks(repository):
            LOGGER.info("Check %s of %s#%d is re-evaluated on the PR's next event", name, repository, pr_number)
            return
        resolved = await self.resolve_repository(repository)
        if resolved is None:
            return
        context, repo_config = resolved
        try:
            refs = await self._pull_refs(context, pr_number)
        except GithubException as error:
            LOGGER.warning("Cannot re-run %s on %s#%d: %s", name, repository, pr_number, error.status)
            return
        if refs.head_sha != head_sha:
            return
        await self.checks.start_checks(context, repo_config, refs, [name], delivery_id=RECOVERY_DELIVERY_ID)

    def _command_checks(self, repository: str) -> list[str]:
        entry = self.config.find_repository(repository)
        if entry is None:
            return []
        return self.checks.enabled_command_checks(repository_config(self.config, entry))

    @staticmethod
    async def _pull_refs(context: RepositoryContext, number: int) -> PullRefs:
        def fetch() -> PullRefs:
            pull = context.pooled.lazy_github.get_repo(context.full_name).get_pull(number)
            return PullRefs(number, pull.head.sha, pull.head.ref, pull.base.ref, pull.base.sha)

        return await github_api_call(fetch)
