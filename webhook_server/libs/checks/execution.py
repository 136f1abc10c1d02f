"""One command check from start to end: check run `in_progress`, a prepared worktree, the command, the result.

The worktree is the PR head with its base branch merged in (`checks.md` §3.1), made from the repository's
mirror with the token in git's environment only. The command runs with the constructed environment and no
credentials (`checks.md` §5.3), in its own temporary directory, under the check's timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from webhook_server.libs.checks import outcome
from webhook_server.libs.checks.check_runs import CheckRuns
from webhook_server.libs.checks.model import (
    CheckCommand,
    CheckInputs,
    CheckNotRunnableError,
    CheckTarget,
    ToolLaunchers,
)
from webhook_server.libs.checks.registry import check_command, check_title
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.git.credentials import CommitIdentity
from webhook_server.libs.git.mirror import GitMirror, GitMirrors, branch_refspec, pull_head_refspec
from webhook_server.libs.git.process import GitError
from webhook_server.libs.github.auth import choose_token
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.process.runner import (
    KILL_GRACE_SECONDS,
    CommandResult,
    check_home,
    command_environment,
    run_command,
)
from webhook_server.libs.process.sandbox import Sandbox, SandboxLaunch, SandboxMounts, SandboxUnavailableError
from webhook_server.libs.rules.checks import BUILD_CONTAINER, CheckResult
from webhook_server.utils.masking import SECRETS

LOGGER = logging.getLogger(__name__)

# podman build runs the PR's Dockerfile in podman's own isolation (release.md §3.2), not in bwrap.
OWN_ISOLATION_CHECKS = frozenset({BUILD_CONTAINER})


@dataclass(frozen=True)
class CheckJob:
    """A check to run: which one, for which PR state, with which repository access and config."""

    repo: RepositoryContext
    config: RepositoryConfig
    target: CheckTarget
    name: str
    delivery_id: str | None

    @property
    def title(self) -> str:
        return check_title(self.name)


def sha7(job: CheckJob) -> str:
    return job.target.head_sha[:7]


def sandbox_cache(data_dir: Path, full_name: str) -> Path:
    """The tool cache of one repository's sandboxed checks (mounted as ~/.cache): one per repository, so a
    PR cannot poison the cached packages that other repositories' checks use."""
    return check_home(data_dir) / "sandbox-cache" / full_name.casefold()


def job_secrets(config: RepositoryConfig, token: str) -> tuple[str, ...]:
    """Every value masked in a check's output: the registered secrets plus this repository's own."""
    container = config.container
    own = [token, config.pypi_token, *(() if container is None else (container.username, container.password))]
    return (*SECRETS.values(), *(value for value in own if value))


class CheckExecutor:
    """Runs command checks and writes their check runs."""

    def __init__(
        self,
        *,
        data_dir: Path,
        mirrors: GitMirrors,
        check_runs: CheckRuns,
        launchers: ToolLaunchers,
        sandbox: Sandbox,
        kill_grace_seconds: float = KILL_GRACE_SECONDS,
        seconds_per_minute: float = 60.0,
    ) -> None:
        """`seconds_per_minute` converts configured timeouts (tests shrink it; the server keeps 60)."""
        self._sandbox = sandbox
        self._data_dir = data_dir
        self._seconds_per_minute = seconds_per_minute
        self._mirrors = mirrors
        self._check_runs = check_runs
        self._launchers = launchers
        self._kill_grace_seconds = kill_grace_seconds

    async def report_queued(self, job: CheckJob) -> bool:
        """Set the job's check run to `queued`."""
        return await self._check_runs.queue(job.repo, job.target.head_sha, job.name, outcome.queued_output(job.title))

    async def report_cancelled(self, job: CheckJob, summary: str) -> bool:
        """Complete the job's check run as `cancelled` with `summary`."""
        result = outcome.cancelled(job.title, summary)
        return await self._check_runs.complete(job.repo, job.target.head_sha, job.name, result)

    async def run(self, job: CheckJob) -> tuple[CheckResult, bool]:
        """Run the check and complete its check run; returns the result and whether every write succeeded."""
        sha = job.target.head_sha
        started = await self._check_runs.start(job.repo, sha, job.name, outcome.in_progress_output(job.title))
        try:
            result = await self._evaluate(job)
        except Exception as error:  # contained here so the check run never stays in progress
            LOGGER.exception("Check %s on %s failed unexpectedly", job.name, sha[:7])
            result = outcome.unexpected_error(job.title, error)
        completed = await self._check_runs.complete(job.repo, sha, job.name, result)
        LOGGER.info("Check %s on %s: %s", job.name, sha[:7], result.conclusion.value)
        return result, started and completed

    async def _evaluate(self, job: CheckJob) -> CheckResult:
        token_state = choose_token(job.repo.pooled.pool)
        assert token_state.login is not None  # a usable token was probed: owner known
        assert token_state.user_id is not None
        identity = CommitIdentity.for_api_user(token_state.login, token_state.user_id)
        secrets = job_secrets(job.config, token_state.token)
        mirror = self._mirrors.mirror(job.repo.full_name)
        base = job.target.base_ref
        try:
            await self._fetch(mirror, job, token_state.token)
            async with mirror.worktree(job.target.head_sha) as worktree:
                await mirror.merge(worktree, f"refs/heads/{base}", f"Merge {base}", identity)
                return await self._run_command(job, worktree, secrets)
        except GitError as error:
            LOGGER.error("Could not prepare the worktree of check %s: %s", job.name, error)
            return outcome.preparation_failure(job.title, error.output, secrets)
        except CheckNotRunnableError as error:
            return outcome.not_runnable(job.title, str(error))

    async def _fetch(self, mirror: GitMirror, job: CheckJob, token: str) -> None:
        target = job.target
        refspecs = [branch_refspec(target.base_ref), pull_head_refspec(target.number)]
        await mirror.fetch(token, refspecs, delivery_id=job.delivery_id)
        await mirror.fetch_missing_commits(token, [target.head_sha], delivery_id=job.delivery_id)

    async def _run_command(self, job: CheckJob, worktree: Path, secrets: tuple[str, ...]) -> CheckResult:
        inputs = CheckInputs(
            name=job.name,
            worktree=worktree,
            config=job.config,
            target=job.target,
            launchers=self._launchers,
            web_base_url=self._mirrors.git_base_url,
        )
        command = check_command(inputs)
        with tempfile.TemporaryDirectory(prefix="check-") as tmp:
            env = command_environment(self._data_dir, Path(tmp), passthrough=job.config.check_environment_passthrough)
            try:
                result = await self._launch(job, command, env, secrets)
            except SandboxUnavailableError as error:
                LOGGER.error("Refusing to run check %s of %s: sandbox unavailable: %s", job.name, sha7(job), error)
                return outcome.sandbox_refused(command.title, str(error))
        return outcome.command_result(command.title, result, command.timeout_minutes, secrets)

    async def _launch(
        self, job: CheckJob, command: CheckCommand, env: dict[str, str], secrets: tuple[str, ...]
    ) -> CommandResult:
        """Run the command: PR code inside the sandbox, `build-container` in podman's own isolation."""
        async with contextlib.AsyncExitStack() as stack:
            launch = SandboxLaunch(command.argv, env)
            if job.name not in OWN_ISOLATION_CHECKS:
                launch = await stack.enter_async_context(self._isolated(job, command, env))
            return await run_command(
                launch.argv,
                cwd=command.cwd,
                env=launch.env,
                timeout_seconds=command.timeout_minutes * self._seconds_per_minute,
                secrets=secrets,
                kill_grace_seconds=self._kill_grace_seconds,
                pass_fds=launch.pass_fds,
                on_started=launch.on_started,
            )

    @contextlib.asynccontextmanager
    async def _isolated(
        self, job: CheckJob, command: CheckCommand, env: dict[str, str]
    ) -> AsyncIterator[SandboxLaunch]:
        """The command in the sandbox (or as is, when the operator allowed running unsandboxed)."""
        if self._sandbox.status is None:
            await self._sandbox.probe()
        if not self._sandbox.require():
            LOGGER.warning("Running check %s of %s WITHOUT a sandbox (unsafe mode)", job.name, sha7(job))
            yield SandboxLaunch(command.argv, env)
            return
        mounts = SandboxMounts.for_worktree(command.cwd, sandbox_cache(self._data_dir, job.repo.full_name))
        await asyncio.to_thread(self._prepare_mounts, mounts)
        network = job.config.network_for(job.name)
        async with self._sandbox.launch(command.argv, mounts, network=network, env=env) as launch:
            yield launch

    def _prepare_mounts(self, mounts: SandboxMounts) -> None:
        mounts.cache_dir.mkdir(parents=True, exist_ok=True)
        self._sandbox.hand_over(mounts)
