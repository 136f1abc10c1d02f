"""`CheckService`: queue, start, cancel, wait for and resume the command checks of pull requests.

Created once by the server runtime. Check jobs go through the job manager (ledger-backed, capped, one per
check and SHA); each job runs one command check with `CheckExecutor` and records a `job:check:<name>` step
on the delivery's context (a child context of it while the job runs).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from webhook_server.libs.checks.check_runs import CheckRuns
from webhook_server.libs.checks.execution import CheckExecutor, CheckJob
from webhook_server.libs.checks.model import CheckTarget, PullRequestRefs, ToolLaunchers
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import enabled_checks
from webhook_server.libs.git.mirror import GitMirrors
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.pipeline.jobs import JobHandlers, JobManager, JobOutcome, JobRequest
from webhook_server.libs.pipeline.ledger import Job, JobState, Ledger
from webhook_server.libs.process.runner import KILL_GRACE_SECONDS, check_home
from webhook_server.libs.process.sandbox import Sandbox
from webhook_server.libs.rules.check_output import PR_CLOSED_SUMMARY, superseded_summary
from webhook_server.libs.rules.checks import CheckConclusion, command_check_names
from webhook_server.utils.context import DeliveryContext, bind_context, child_context, current_context

LOGGER = logging.getLogger(__name__)

CHECK_JOB_KIND = "check"
_QUEUED_MEMORY = 4096
RepositoryResolver = Callable[[str], Awaitable[tuple[RepositoryContext, RepositoryConfig] | None]]

_JOB_STATES = {
    CheckConclusion.SUCCESS: JobState.SUCCEEDED,
    CheckConclusion.CANCELLED: JobState.CANCELLED,
}


class CheckService:
    """Command checks of pull requests as jobs (`checks.md` §3, §6)."""

    def __init__(
        self,
        *,
        data_dir: Path,
        ledger: Ledger,
        max_concurrent_jobs: int,
        git_base_url: str,
        launchers: ToolLaunchers | None = None,
        sandbox: Sandbox | None = None,
        resolve_repository: RepositoryResolver | None = None,
        mirrors: GitMirrors | None = None,
        kill_grace_seconds: float = KILL_GRACE_SECONDS,
        seconds_per_minute: float = 60.0,
    ) -> None:
        """`resolve_repository(full_name)` gives a resumed job its repository access and config (None: gone).

        `launchers` defaults to the spec's `uvx` commands; `sandbox` (probed on first use) isolates PR code;
        `seconds_per_minute` and `kill_grace_seconds`
        exist so tests can shrink timeouts.
        """
        self.data_dir = data_dir
        self.mirrors = mirrors or GitMirrors(data_dir, git_base_url)
        self.sandbox = sandbox or Sandbox()
        self.check_runs = CheckRuns(ledger)
        self.jobs = JobManager(ledger, max_concurrent_jobs)
        self._ledger = ledger
        self._resolve_repository = resolve_repository
        self._executor = CheckExecutor(
            data_dir=data_dir,
            mirrors=self.mirrors,
            check_runs=self.check_runs,
            launchers=launchers or ToolLaunchers(),
            sandbox=self.sandbox,
            kill_grace_seconds=kill_grace_seconds,
            seconds_per_minute=seconds_per_minute,
        )
        self._queued_by_workflow: set[tuple[str, str, str]] = set()

    async def start(self, other_jobs: Callable[[Job], Awaitable[None]] | None = None) -> None:
        """Create the check home, remove leftover worktrees, and resume the ledger's unfinished check jobs.

        Unfinished jobs of other kinds are handed to `other_jobs` (each kind decides: resume or abandon).
        """
        await asyncio.to_thread(check_home(self.data_dir).mkdir, parents=True, exist_ok=True)
        await self.mirrors.clean_worktrees()
        await self.resume_unfinished(other_jobs)

    async def resume_unfinished(self, other_jobs: Callable[[Job], Awaitable[None]] | None = None) -> None:
        """Resume the unfinished jobs the ledger hands this process (at start; on a shared ledger also the
        jobs of a replica that died). Jobs of other kinds go to `other_jobs`."""
        for job in await self._ledger.resumable_jobs():
            if self.jobs.is_active(job.job_id):  # still running here (a heartbeat came late): keep it
                continue
            if job.kind == CHECK_JOB_KIND:
                await self._resume(job)
            elif other_jobs is not None:
                await other_jobs(job)

    async def _resume(self, job: Job) -> None:
        resolved = await self._resolve_repository(job.repository) if self._resolve_repository else None
        if resolved is None:
            LOGGER.warning("Not resuming check job %d: repository %s is not available", job.job_id, job.repository)
            await self._ledger.mark_job_finished(job.job_id, JobState.FAILED, "failed", "repository not available")
            return
        repo, config = resolved
        check = CheckJob(repo, config, CheckTarget.from_spec(job.spec), job.name, job.delivery_id)
        LOGGER.info("Resuming check job %d: %s on %s", job.job_id, job.name, check.target.head_sha[:7])
        await self._executor.report_queued(check)
        self.jobs.adopt(job, self._handlers(check))

    async def stop(self) -> None:
        """Start no more jobs; running ones get SIGTERM, then SIGKILL after 10 s, and stay `running` to resume."""
        await self.jobs.stop()

    def enabled_command_checks(self, repo_config: RepositoryConfig) -> list[str]:
        """The command checks the repository's config enables, in queueing order."""
        return list(command_check_names(enabled_checks(repo_config)))

    async def queue_checks(self, repo: RepositoryContext, repo_config: RepositoryConfig, pr: PullRequestRefs) -> None:
        """Set every enabled command check of the PR's head to `queued` (stage 1 of the PR workflow)."""
        target = CheckTarget.of(pr)
        for name in self.enabled_command_checks(repo_config):
            check = CheckJob(repo, repo_config, target, name, None)
            if await self._executor.report_queued(check):
                if len(self._queued_by_workflow) >= _QUEUED_MEMORY:  # bounded: forgetting costs one extra write
                    self._queued_by_workflow.clear()
                self._queued_by_workflow.add((repo.full_name, target.head_sha, name))

    async def start_checks(
        self,
        repo: RepositoryContext,
        repo_config: RepositoryConfig,
        pr: PullRequestRefs,
        names: Sequence[str] | None = None,
        *,
        delivery_id: str,
    ) -> list[int]:
        """Submit a job per check (`names=None`: every enabled one); returns the job ids.

        A check already queued or running for the same head SHA is reused; a running one restarts (`/retest`).
        """
        target = CheckTarget.of(pr)
        job_ids = []
        for name in self.enabled_command_checks(repo_config) if names is None else names:
            check = CheckJob(repo, repo_config, target, name, delivery_id)
            key = (repo.full_name, target.head_sha, name)
            if key in self._queued_by_workflow:
                self._queued_by_workflow.discard(key)
            else:
                await self._executor.report_queued(check)
            request = JobRequest(
                kind=CHECK_JOB_KIND,
                repository=repo.full_name,
                pr_number=target.number,
                head_sha=target.head_sha,
                name=name,
                spec=target.to_spec(),
                delivery_id=delivery_id,
            )
            job_ids.append(await self.jobs.submit(request, self._handlers(check)))
        return job_ids

    def _handlers(self, check: CheckJob) -> JobHandlers:
        parent = current_context()

        async def run(job: Job) -> JobOutcome:
            return await self._run_check(job, check, parent)

        async def cancelled(job: Job, summary: str) -> None:
            await self._executor.report_cancelled(check, summary)

        return JobHandlers(run=run, cancelled=cancelled)

    async def _run_check(self, job: Job, check: CheckJob, parent: DeliveryContext | None) -> JobOutcome:
        ctx = child_context(parent) if parent is not None else _job_context(job)
        step = f"job:{CHECK_JOB_KIND}:{check.name}"
        with bind_context(ctx):
            ctx.start_step(step)
            result, written = await self._executor.run(check)
            if written:
                ctx.complete_step(step, conclusion=result.conclusion.value)
            else:
                ctx.fail_step(step, RuntimeError("a check-run write failed"), "", conclusion=result.conclusion.value)
        state = _JOB_STATES.get(result.conclusion, JobState.FAILED)
        error = None if state is JobState.SUCCEEDED else result.output.summary
        return JobOutcome(state, result.conclusion.value, error)

    async def cancel_superseded(self, repo_full_name: str, pr_number: int, head_sha: str) -> int:
        """Cancel the PR's jobs for any SHA other than `head_sha` (a push), here and, on a shared ledger, on the
        other replicas (they are asked to); returns how many."""
        summary = superseded_summary(head_sha)
        here = await self.jobs.cancel_where(
            lambda job: (
                job.repository == repo_full_name
                and job.pr_number == pr_number
                and job.head_sha is not None
                and job.head_sha != head_sha
            ),
            summary,
        )
        return here + await self._ledger.request_cancel_elsewhere(repo_full_name, pr_number, summary, keep_sha=head_sha)

    async def cancel_pr(self, repo_full_name: str, pr_number: int) -> int:
        """Cancel the PR's check jobs (the PR was closed), here and on the other replicas; returns how many."""
        here = await self.jobs.cancel_where(
            lambda job: job.kind == CHECK_JOB_KIND and job.repository == repo_full_name and job.pr_number == pr_number,
            PR_CLOSED_SUMMARY,
        )
        return here + await self._ledger.request_cancel_elsewhere(
            repo_full_name, pr_number, PR_CLOSED_SUMMARY, kind=CHECK_JOB_KIND
        )

    async def wait_for_jobs(self, job_ids: Sequence[int]) -> None:
        """Wait until every given job has ended (restarts are waited through)."""
        await self.jobs.wait(job_ids)


def _job_context(job: Job) -> DeliveryContext:
    """The context of a job that outlived its delivery (resumed at startup)."""
    return DeliveryContext(
        hook_id=job.delivery_id or f"job-{job.job_id}",
        event_type="job",
        repository=job.repository.split("/", 1)[1],
        repository_full_name=job.repository,
        pr_number=job.pr_number,
    )
