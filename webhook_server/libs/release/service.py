"""`ReleaseService`: what every release job shares — the ledger, the job manager and check-run writer of the
check service, the git mirrors, the repository label cache, the tool launchers, the cherry-pick batches and
the optional AI conflict resolver. One per server, kept in `services.extensions["release"]`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from webhook_server.libs.checks.check_runs import CheckRuns
from webhook_server.libs.git.mirror import GitMirrors
from webhook_server.libs.pipeline.jobs import JobManager, JobRequest, job_key
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.pipeline.services import ServerServices
from webhook_server.libs.pr.git_access import CHECKS_EXTENSION
from webhook_server.libs.pr.labels import REPOSITORY_LABELS_EXTENSION, RepositoryLabelCache
from webhook_server.libs.release.ai_conflicts import ai_conflict_resolver
from webhook_server.libs.release.cherry_pick_batches import CherryPickBatches
from webhook_server.libs.release.conflicts import ConflictResolver
from webhook_server.libs.release.tools import ReleaseTools

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

RELEASE_EXTENSION = "release"


@dataclass
class ReleaseService:
    """The shared parts of the release flows. `conflict_resolver` is set by the AI feature when it exists."""

    data_dir: Path
    ledger: Ledger
    jobs: JobManager
    check_runs: CheckRuns
    mirrors: GitMirrors
    label_cache: RepositoryLabelCache
    tools: ReleaseTools = field(default_factory=ReleaseTools)
    conflict_resolver: ConflictResolver | None = None
    batches: CherryPickBatches = field(default_factory=CherryPickBatches)

    @property
    def web_base_url(self) -> str:
        """The web/git base derived from `github-api-url` (`intake.md` §10)."""
        return self.mirrors.git_base_url

    def is_active(self, request: JobRequest) -> bool:
        """Whether a job with the request's key is queued or running."""
        return any(job_key(job) == request.key for job in self.jobs.active_jobs())

    def timeout_seconds(self, minutes: int) -> float:
        """A configured timeout in seconds (tests shrink the minute)."""
        return minutes * self.tools.seconds_per_minute


def server_release_service(
    services: ServerServices, data_dir: Path, tools: ReleaseTools | None = None
) -> ReleaseService:
    """The server's release service: created on first use from the check service's parts, with `tools` (the
    spec's launchers by default) and the AI conflict resolver registered."""
    extensions = services.extensions
    service: ReleaseService | None = extensions.get(RELEASE_EXTENSION)
    if service is None:
        checks = extensions[CHECKS_EXTENSION]
        service = ReleaseService(
            data_dir=data_dir,
            ledger=services.ledger,
            jobs=checks.jobs,
            check_runs=checks.check_runs,
            mirrors=checks.mirrors,
            label_cache=extensions.setdefault(REPOSITORY_LABELS_EXTENSION, RepositoryLabelCache()),
            tools=tools or ReleaseTools(),
            conflict_resolver=ai_conflict_resolver(data_dir),
        )
        extensions[RELEASE_EXTENSION] = service
    return service


def release_service(webhook: GithubWebhook) -> ReleaseService:
    """The server's release service, as a delivery reaches it."""
    return server_release_service(webhook.services, webhook.config.data_dir)
