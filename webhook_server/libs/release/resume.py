"""Release jobs left unfinished by a previous process (`checks.md` §6.4, `release.md` §1.2).

Cherry-pick jobs resume: they are idempotent (an existing PR is never created again, and a record left in
state `pushing` whose branch exists continues at opening the PR). The other release jobs (rebase, container
builds, tag cleanup, tag publishing) are not repeated unasked: they are marked `failed`, like oracle calls.
"""

from __future__ import annotations

import logging

from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.pipeline.ledger import Job, JobState
from webhook_server.libs.release.cherry_pick import cherry_pick_handlers
from webhook_server.libs.release.cherry_pick_task import CHERRY_PICK_JOB_KIND
from webhook_server.libs.release.container_jobs import CONTAINER_JOB_KIND
from webhook_server.libs.release.container_tags import TAG_CLEANUP_JOB_KIND
from webhook_server.libs.release.rebase import REBASE_JOB_KIND
from webhook_server.libs.release.service import ReleaseService
from webhook_server.libs.release.tag_release import TAG_RELEASE_JOB_KIND

LOGGER = logging.getLogger(__name__)

RELEASE_JOB_KINDS = frozenset(
    {CHERRY_PICK_JOB_KIND, CONTAINER_JOB_KIND, TAG_CLEANUP_JOB_KIND, REBASE_JOB_KIND, TAG_RELEASE_JOB_KIND}
)
INTERRUPTED_ERROR = "interrupted by restart"


async def resume_release_job(
    service: ReleaseService, job: Job, resolved: tuple[RepositoryContext, RepositoryConfig] | None
) -> bool:
    """Resume an unfinished cherry-pick job (its check run goes back to `in_progress`); end any other release
    job, or one whose repository is gone, as `failed`. Returns whether the job was resumed."""
    if job.kind != CHERRY_PICK_JOB_KIND or resolved is None:
        LOGGER.warning("Not resuming %s job %d of %s (%s)", job.kind, job.job_id, job.repository, INTERRUPTED_ERROR)
        await service.ledger.mark_job_finished(job.job_id, JobState.FAILED, "failed", INTERRUPTED_ERROR)
        return False
    repo, config = resolved
    jobs, task, handlers = cherry_pick_handlers(service, repo, config, job)
    LOGGER.info("Resuming cherry-pick job %d: #%d to %s", job.job_id, task.number, task.target)
    await jobs.start_batch([task])
    service.jobs.adopt(job, handlers)
    return True
