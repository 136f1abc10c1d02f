"""The running server's services and their start/stop order: logging, ledger, GitHub access,
dispatcher, IP allowlist and config reload. Also the intake's `DeliverySink`.

The process role decides what starts: an `intake` replica records deliveries only; a `worker` replica
processes what a shared ledger holds and accepts none; `all` does both."""

import asyncio
import dataclasses
import gc
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from webhook_server.libs.autoheal.service import AutoHeal
from webhook_server.libs.bootstrap import bootstrap_repositories, startup_bootstrap
from webhook_server.libs.checks.service import CheckService
from webhook_server.libs.commands.registry import visible_command_help
from webhook_server.libs.config import (
    CONFIG_FILE_NAME,
    ConfigWatcher,
    RepositoryConfig,
    RepositoryEntry,
    SandboxConfig,
    ServerConfig,
    repositories_to_bootstrap,
    repository_config,
)
from webhook_server.libs.github import api_call
from webhook_server.libs.github.graphql_sessions import close_sessions as close_graphql_sessions
from webhook_server.libs.github.repository_context import GithubAccess, RepositoryContext
from webhook_server.libs.github.transport import PACER, install_transport
from webhook_server.libs.github.urls import git_base_url
from webhook_server.libs.pipeline.deferred import DeferredWork
from webhook_server.libs.pipeline.delivery import Delivery, RecordStatus
from webhook_server.libs.pipeline.dispatcher import Dispatcher, LanePhaseResult
from webhook_server.libs.pipeline.intake import AcceptedDelivery, PersistFailedError
from webhook_server.libs.pipeline.ledger import DatabaseError, Ledger
from webhook_server.libs.pipeline.ledger.jobs import Job
from webhook_server.libs.pipeline.merge_evaluations import MergeEvaluations
from webhook_server.libs.pipeline.services import ServerServices
from webhook_server.libs.pipeline.shared_lanes import SharedLanes
from webhook_server.libs.pr.ai_title import AI_TITLE_JOB_KIND, abandon_interrupted_title_job
from webhook_server.libs.pr.closed import REFRESH_KIND, refresh_handler
from webhook_server.libs.pr.git_access import CHECKS_EXTENSION, MIRRORS_EXTENSION
from webhook_server.libs.pr.merge_state import RECHECK_KIND
from webhook_server.libs.pr.mergeable_recheck import recheck_handler
from webhook_server.libs.pr.test_oracle import (
    ORACLE_JOB_KIND,
    abandon_interrupted_oracle_job,
    warn_insecure_oracle_urls,
)
from webhook_server.libs.process.sandbox import Sandbox, SandboxSettings, describe_mode
from webhook_server.libs.release.resume import RELEASE_JOB_KINDS, resume_release_job
from webhook_server.libs.release.service import server_release_service
from webhook_server.libs.rules.ordering import ordering_key
from webhook_server.libs.runtime.check_recovery import CheckRecovery
from webhook_server.libs.runtime.delivery_runner import DeliveryRunner
from webhook_server.libs.runtime.explain_request import explain_as_json
from webhook_server.libs.runtime.ip_allowlist import CLOUDFLARE_IPS_URL, AllowlistSources, IpAllowlist
from webhook_server.libs.runtime.roles import Role
from webhook_server.libs.runtime.supervisor import TaskSupervisor
from webhook_server.utils.logging_setup import LoggingRuntime, LogSettings
from webhook_server.utils.masking import SECRETS
from webhook_server.utils.mcp_logging import MCP_LIBRARY_LOGGER, install_mcp_log_filter
from webhook_server.utils.metrics import (
    DELIVERIES_TOTAL,
    QUEUE_DEPTH,
    QUEUE_OLDEST_PENDING_AGE_SECONDS,
    REQUESTS_REJECTED_TOTAL,
)
from webhook_server.utils.private_files import tighten

LOGGER = logging.getLogger(__name__)
EXIT_LEDGER_LOST = 3  # the process's exit code when its shared ledger connection broke
LEDGER_WATCH_SECONDS = 0.5

LEDGER_FILE = "webhook-ledger.sqlite3"
VIEWER_LOGGER = "webhook_server.log_viewer"


def allowlist_sources(config: ServerConfig) -> AllowlistSources:
    return AllowlistSources(
        github_meta_url=f"{config.github_api_url}/meta" if config.verify_github_ips else None,
        cloudflare_url=CLOUDFLARE_IPS_URL if config.verify_cloudflare_ips else None,
    )


def sandbox_settings(config: SandboxConfig) -> SandboxSettings:
    """The sandbox of PR code as config.yaml's `sandbox` block and `unsafe-run-checks-without-sandbox` say."""
    return SandboxSettings(
        bwrap_path=config.bwrap_path,
        memory_mb=config.memory_mb,
        max_processes=config.max_processes,
        read_only_paths=config.read_only_paths,
        uid=config.uid,
        unsafe_without_sandbox=config.unsafe_without_sandbox,
    )


def freeze_startup_objects() -> None:
    """Move everything allocated at startup to the collector's permanent generation, so full collections
    no longer rescan it. Measured with `benchmarks/intake_latency.py` (1,000 deliveries, 50 in flight):
    the acknowledgement p99 fell from 71-105 ms to 35-59 ms on this machine."""
    gc.collect()
    gc.freeze()


class ServerRuntime:
    """Owns every long-lived service of one server process."""

    def __init__(self, config: ServerConfig, role: Role = Role.ALL) -> None:
        self.config = config
        self.role = role
        self.data_dir = config.data_dir
        self.logs = LoggingRuntime(self.data_dir / "logs", self.log_settings)
        self.ip_allowlist = IpAllowlist(allowlist_sources(config))
        self.watcher = ConfigWatcher(self.data_dir, config, self._on_config_change)
        self.access = GithubAccess(config, config.private_key_path.read_text())
        self.ledger: Ledger
        self.dispatcher: Dispatcher
        self.evaluations: MergeEvaluations
        self.supervisor = TaskSupervisor()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._viewer_log_routes: tuple[bool, bool] | None = None
        self.bootstrapped = threading.Event()  # set when the startup bootstrap ended (observable from any thread)
        self.request_shutdown: Callable[[], None] | None = None  # set by entrypoint: a graceful process stop
        self.exit_code = 0

    def route_viewer_logs(self, *, mcp_enabled: bool) -> None:
        """Ask for the viewer's own log file (and the MCP library's) once logging starts."""
        self._viewer_log_routes = (True, mcp_enabled)

    def live_delivery(self, hook_id: str) -> Mapping[str, Any] | None:
        """The summary-shaped record of a delivery still being processed (for the log viewer)."""
        return self._runner.live_summary(hook_id) if hasattr(self, "_runner") else None

    async def explain(self, full_name: str, number: int) -> dict[str, Any]:
        """The `/explain` JSON of a PR (read-only; see `explain_request`)."""
        return await explain_as_json(self.current_config, self.services, full_name, number)

    def _start_logging(self) -> None:
        self.logs.start()
        if self._viewer_log_routes is None:
            return
        _, mcp_enabled = self._viewer_log_routes
        self.logs.route_logger_to_file(VIEWER_LOGGER, self.config.logs_server_log_file, console=False)
        if mcp_enabled:
            self.logs.route_logger_to_file(MCP_LIBRARY_LOGGER, self.config.mcp_log_file, level="INFO")
            install_mcp_log_filter()

    def current_config(self) -> ServerConfig:
        return self.watcher.current

    def log_settings(self, repository_full_name: str | None) -> LogSettings:
        """Effective logging keys for a record (per repository when the record belongs to one)."""
        config = self.watcher.current
        entry = config.find_repository(repository_full_name) if repository_full_name else None
        if entry is None:
            return LogSettings(config.log_level, config.log_file, config.mask_sensitive_data)
        view = repository_config(config, entry)
        return LogSettings(view.log_level, view.log_file, view.mask_sensitive_data)

    async def start(self) -> None:
        """Bring services up; the listener is already accepting when this runs (lifespan). A failure
        (for example an IP allowlist that cannot load) undoes what started, then propagates."""
        self.loop = asyncio.get_running_loop()
        self._start_logging()
        try:
            await self._start_services()
        except BaseException:
            await self._cancel_tasks()
            if hasattr(self, "ledger"):
                await self.ledger.close()
            self.logs.stop()
            raise

    async def _start_services(self) -> None:
        for operator_file in (self.data_dir / CONFIG_FILE_NAME, self.config.private_key_path):
            tighten(operator_file)
        for secret in self.config.all_secret_values():
            SECRETS.add(secret)
        if self.config.webhook_secret is None:
            LOGGER.warning("webhook-secret is not set: webhook payloads are trusted without signature verification")
        install_transport()
        if self.config.github_writes_per_minute is not None:
            PACER.limits = dataclasses.replace(PACER.limits, writes_per_minute=self.config.github_writes_per_minute)
        api_call.configure(threads=max(32, self.config.max_workers * 4))
        if self.ip_allowlist.enabled:
            await self.ip_allowlist.load()
            self.supervisor.spawn_lifelong("ip-allowlist-refresh", self.ip_allowlist.refresh_forever)
        self.ledger = await self._open_ledger()
        if self.ledger.shared:
            await self._heartbeat()
            self.supervisor.spawn_lifelong("ledger-heartbeat", self._heartbeat_loop)
            self.supervisor.spawn_lifelong("ledger-watch", self._stop_when_ledger_lost)
        if not self.role.processes_deliveries:
            self.supervisor.spawn_lifelong("config-watcher", self.watcher.run)
            freeze_startup_objects()
            LOGGER.info("Replica %s started as intake only", self.ledger.replica_id)
            return
        self.last_delivery_before_start = await self.ledger.latest_received_at()  # queued before any intake record
        shared = SharedLanes(self.ledger) if self.ledger.shared else None
        self.dispatcher = Dispatcher(
            self.ledger, max_workers=self.config.max_workers, process=self._process, shared=shared
        )
        self.evaluations = MergeEvaluations(self.dispatcher, shared_ledger=self.ledger if shared else None)
        self.deferred = DeferredWork(self.ledger)
        self.services = ServerServices(
            self.access,
            self.ledger,
            self.dispatcher,
            self.evaluations,
            command_help=visible_command_help,
            deferred=self.deferred,
        )
        self.deferred.register(RECHECK_KIND, recheck_handler(self.current_config, self.services))
        self.deferred.register(REFRESH_KIND, refresh_handler(self.current_config, self.services))
        self._runner = DeliveryRunner(self.current_config, self.services, self.logs)
        await self.dispatcher.start()
        await self._start_checks_and_bootstrap()
        self.supervisor.spawn_lifelong("config-watcher", self.watcher.run)
        freeze_startup_objects()
        self.supervisor.spawn_lifelong("queue-metrics", self._queue_metrics_loop)
        retention_days = self.config.delivery_ledger_retention_days
        self.supervisor.spawn_lifelong(
            "ledger-housekeeping", lambda: self.ledger.run_housekeeping(retention_days=retention_days)
        )
        if self.ledger.shared:
            self.supervisor.spawn_lifelong("job-takeover", self._job_takeover_loop)
            self.supervisor.spawn_lifelong("job-requests", self._job_requests_loop)
        if self.config.log_retention_days > 0:  # the loop returns at once when retention is off
            log_days = self.config.log_retention_days
            self.supervisor.spawn_lifelong("log-retention", lambda: self.logs.retention_loop(log_days))

    async def _start_checks_and_bootstrap(self) -> None:
        """Check jobs resume first; bootstrap then runs in the background (intake is already up)."""
        config = self.config
        sandbox = Sandbox(sandbox_settings(config.sandbox))
        status = await sandbox.probe()
        log = LOGGER.info if status.available else LOGGER.error
        log(describe_mode(status, sandbox.settings))
        self.checks = CheckService(
            data_dir=self.data_dir,
            ledger=self.ledger,
            max_concurrent_jobs=config.max_concurrent_jobs,
            git_base_url=git_base_url(config.github_api_url),
            sandbox=sandbox,
            resolve_repository=self._resolve_for_job,
        )
        self.recovery = CheckRecovery(config, self.access, self.ledger, self.checks)
        self.auto_heal = AutoHeal(
            self.current_config,
            self.services,
            self.recovery.rerun_check,
            self.recovery.active_job,
            self.last_delivery_before_start,
        )
        self.evaluations.add_work_probe(self._pr_jobs_active)
        self.services.extensions[CHECKS_EXTENSION] = self.checks
        self.services.extensions[MIRRORS_EXTENSION] = self.checks.mirrors
        await self.checks.start(other_jobs=self._unfinished_job)
        warn_insecure_oracle_urls(config)
        self.supervisor.spawn("startup-bootstrap", self._startup_bootstrap())

    async def _open_ledger(self) -> Ledger:
        url = self.config.ledger_url
        if url is None:
            return await Ledger.open(self.data_dir / LEDGER_FILE)
        ledger = await Ledger.open_shared(url, lease_seconds=self.config.ledger_lease_seconds)
        LOGGER.info("Shared PostgreSQL ledger opened: this process is replica %s (%s)", ledger.replica_id, self.role)
        return ledger

    async def _heartbeat(self) -> None:
        """Renew this replica's leases; GitHub write pacing takes its share among the live workers."""
        workers = await self.ledger.heartbeat(self.role.value)
        PACER.set_share(max(1, workers))

    async def _heartbeat_loop(self) -> None:
        interval = self.ledger.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            try:
                await self._heartbeat()
            except DatabaseError:
                LOGGER.exception("Ledger heartbeat failed; retrying in %.1f s", interval)

    async def _stop_when_ledger_lost(self) -> None:
        """A broken connection to the shared ledger ended this replica's session: its lane locks are gone, so
        other replicas may already run its lanes. It stops (exit code 3) rather than go on without them; its
        supervisor starts it again with a new session, and other replicas take its leased work over."""
        while not self.ledger.connection_lost:  # noqa: ASYNC110 - psycopg offers no event for a broken connection
            await asyncio.sleep(LEDGER_WATCH_SECONDS)
        LOGGER.critical(
            "Lost the connection to the shared ledger (replica %s): stopping this process so that it restarts "
            "with a new session; other replicas take its work over",
            self.ledger.replica_id,
        )
        self.exit_code = EXIT_LEDGER_LOST
        if self.request_shutdown is not None:
            self.request_shutdown()
        await asyncio.Event().wait()  # a lifelong task: the shutdown cancels it

    async def _job_takeover_loop(self) -> None:
        """Take over jobs whose replica stopped renewing their lease (it died), as a restart resumes them."""
        interval = self.ledger.lease_seconds / 2
        while True:
            await asyncio.sleep(interval)
            try:
                await self.checks.resume_unfinished(other_jobs=self._unfinished_job)
            except DatabaseError:
                LOGGER.exception("Job takeover failed; retrying in %.1f s", interval)

    async def _job_requests_loop(self, interval: float = 1.0) -> None:
        """Restart or cancel this replica's jobs as other replicas ask (a `/retest`, a push, a closed PR)."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.checks.jobs.apply_requests()
            except DatabaseError:
                LOGGER.exception("Could not read the job requests of other replicas; retrying")

    def _pr_jobs_active(self, pr_key: str) -> bool:
        """Whether a job of the PR with lane key `pr:<full name>#<number>` is queued or running."""
        repository, _, number = pr_key.removeprefix("pr:").rpartition("#")
        return number.isdigit() and self.checks.jobs.has_active(repository, int(number))

    async def _resolve_for_job(self, full_name: str) -> tuple[RepositoryContext, RepositoryConfig] | None:
        return await self.recovery.resolve_repository(full_name)

    async def _unfinished_job(self, job: Job) -> None:
        """Jobs other than checks left by a previous process: oracle calls are never repeated; deferred work
        (mergeable re-checks) is armed again; cherry-picks resume idempotently; other release jobs end failed
        (see `release.resume`)."""
        if job.kind == ORACLE_JOB_KIND:
            await abandon_interrupted_oracle_job(self.ledger, job)
        elif job.kind == AI_TITLE_JOB_KIND:
            await abandon_interrupted_title_job(self.ledger, job)
        elif self.deferred.handles(job.kind):
            self.deferred.resume(job)
        elif job.kind in RELEASE_JOB_KINDS:
            service = server_release_service(self.services, self.data_dir)
            await resume_release_job(service, job, await self._resolve_for_job(job.repository))
        else:
            LOGGER.warning("Unfinished %s job %d of %s is not resumed", job.kind, job.job_id, job.repository)

    async def _startup_bootstrap(self) -> None:
        try:
            await startup_bootstrap(
                self.config, self.access, rerun_check=self.recovery.rerun_check, active_job=self.recovery.active_job
            )
        finally:
            self.bootstrapped.set()
        # after bootstrap: the hooks it created are recorded
        self.supervisor.spawn_lifelong("auto-heal-redelivery", self.auto_heal.redelivery_loop)
        self.supervisor.spawn_lifelong("auto-heal-reconcile", self.auto_heal.reconcile_loop)

    async def _bootstrap(self, entries: Sequence[RepositoryEntry]) -> None:
        await bootstrap_repositories(
            self.watcher.current,
            self.access,
            entries,
            rerun_check=self.recovery.rerun_check,
            active_job=self.recovery.active_job,
        )

    async def _process(self, delivery: Delivery) -> LanePhaseResult:
        return await self._runner(delivery)

    async def _refresh_queue_metrics(self) -> None:
        QUEUE_DEPTH.set(await self.ledger.queue_depth())
        QUEUE_OLDEST_PENDING_AGE_SECONDS.set(await self.ledger.oldest_queued_age_seconds() or 0.0)

    async def _queue_metrics_loop(self, interval: float = 5.0) -> None:
        while True:
            await self._refresh_queue_metrics()
            await asyncio.sleep(interval)

    def request_reload(self) -> None:
        """Reload `config.yaml` now (SIGHUP). Safe to call from a signal handler or another thread."""
        if self.loop is None:
            LOGGER.warning("Configuration reload requested before the server started; ignored")
            return
        self.loop.call_soon_threadsafe(self._reload_now)

    def _reload_now(self) -> None:
        LOGGER.info("Reloading %s on request (SIGHUP)", self.watcher.path)
        self.supervisor.spawn("config-reload", self._forced_reload())

    async def _forced_reload(self) -> None:
        await self.watcher.check_now(force=True)

    async def stop(self) -> None:
        """Stop in reverse order: background tasks, deferred timers (rows stay for the next start), dispatcher
        (grace period), ledger, GraphQL sessions, logs."""
        await self._cancel_tasks()
        if self.role.processes_deliveries:
            await self.deferred.stop()
            await self.dispatcher.stop()
            await self.evaluations.close()
            await self.checks.stop()
        await self.ledger.close()
        await close_graphql_sessions()
        self.logs.stop()

    async def _cancel_tasks(self) -> None:
        await self.supervisor.cancel_all()

    async def accept(self, delivery: AcceptedDelivery) -> bool:
        """Persist a validated delivery (durably) and hand it to the dispatcher."""
        payload = delivery.payload
        try:
            result = await self.ledger.record(
                header_delivery_id=delivery.header_delivery_id,
                event=delivery.event,
                action=payload.get("action") if isinstance(payload.get("action"), str) else None,
                repository_full_name=payload["repository"]["full_name"],
                ordering_key=ordering_key(delivery.event, payload),
                headers=delivery.headers,
                body=delivery.body,
                received_at=datetime.now(UTC),
            )
        except (*DatabaseError, OSError) as error:
            raise PersistFailedError(str(error)) from error
        if result.status is RecordStatus.DUPLICATE or result.delivery is None:
            DELIVERIES_TOTAL.labels(event=delivery.event, outcome="duplicate").inc()
            return False
        if self.role.processes_deliveries:  # an intake-only replica leaves it to the workers' polling
            self.dispatcher.submit(result.delivery)
        return True

    async def _on_config_change(self, old: ServerConfig, new: ServerConfig) -> None:
        for secret in new.all_secret_values():
            SECRETS.add(secret)
        self.recovery.config = new
        warn_insecure_oracle_urls(new)
        LOGGER.info("Configuration reloaded")
        changed = repositories_to_bootstrap(old, new)
        if changed:
            self.supervisor.spawn("bootstrap-after-reload", self._bootstrap(changed))

    def record_rejection(self, status_code: int) -> None:
        """Count a delivery refused at intake (metrics)."""
        REQUESTS_REJECTED_TOTAL.labels(status=str(status_code)).inc()
