"""`/rebase` as a job (`release.md` §2): the PR's head branch rebased onto its base in a worktree, with the
server as committer, then pushed with `--force-with-lease` against the head the rebase started from.
Every ending is a comment on the PR: success, a conflict (with git's output), or a push failure."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.git.mirror import branch_refspec
from webhook_server.libs.git.process import GitError
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.process.runner import CommandResult
from webhook_server.libs.release.release_jobs import release_request, submit_release_job, timed_handlers
from webhook_server.libs.release.repo_api import RepositoryApi
from webhook_server.libs.release.service import ReleaseService, release_service
from webhook_server.libs.release.worktree_git import GitAccess, WorktreeGit
from webhook_server.utils.masking import mask_secret_values

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

REBASE_JOB_KIND = "rebase"


def _fenced(output: str) -> str:
    return f"```\n{mask_secret_values(output.strip())}\n```"


def _output(result: CommandResult) -> str:
    return "\n".join(part for part in (result.stderr.strip(), result.stdout.strip()) if part)


def conflict_comment(head_ref: str, base_ref: str, output: str) -> str:
    return (
        f"Rebase of `{head_ref}` onto `{base_ref}` failed, so nothing was pushed. "
        f"Please rebase manually.\n\n{_fenced(output)}"
    )


def push_failure_comment(head_ref: str, output: str) -> str:
    return f"The rebased `{head_ref}` could not be pushed.\n\n{_fenced(output)}"


def success_comment(head_ref: str, base_ref: str, new_sha: str, unchanged: bool) -> str:
    if unchanged:
        return f"`{head_ref}` is already up to date with `{base_ref}`; nothing to rebase."
    return f"Rebased `{head_ref}` onto `{base_ref}` and pushed `{new_sha[:7]}`."


class RebaseRun:
    """One rebase of one PR's head branch."""

    def __init__(self, service: ReleaseService, repo: RepositoryContext, pull: PullSnapshot, delivery_id: str) -> None:
        self.service = service
        self.repo = repo
        self.pull = pull
        self.delivery_id = delivery_id
        self.api = RepositoryApi(repo)
        self.mirror = service.mirrors.mirror(repo.full_name)

    async def run(self) -> bool:
        access = GitAccess.of(self.repo)
        head, base = self.pull.head_ref, self.pull.base_ref
        refspecs = [branch_refspec(head), branch_refspec(base)]
        try:
            await self.mirror.fetch(access.token, refspecs, delivery_id=self.delivery_id)
            old_sha = await self.mirror.resolve(f"refs/heads/{head}")
            async with self.mirror.worktree(old_sha) as path:
                git = WorktreeGit.in_mirror(self.mirror, path, access, self.service.web_base_url)
                return await self._rebase(git, old_sha)
        except GitError as error:
            await self.api.comment(self.pull.number, conflict_comment(head, base, error.output or str(error)))
            return False

    async def _rebase(self, git: WorktreeGit, old_sha: str) -> bool:
        head, base = self.pull.head_ref, self.pull.base_ref
        rebased = await git.run(["rebase", f"refs/heads/{base}"], check=False)
        if not rebased.succeeded:
            await git.run(["rebase", "--abort"], check=False)
            await self.api.comment(self.pull.number, conflict_comment(head, base, _output(rebased)))
            return False
        new_sha = (await git.output(["rev-parse", "HEAD"])).strip()
        if new_sha != old_sha:
            pushed = await git.push(f"HEAD:refs/heads/{head}", f"--force-with-lease={head}:{old_sha}")
            if not pushed.succeeded:
                await self.api.comment(self.pull.number, push_failure_comment(head, _output(pushed)))
                return False
        await self.api.comment(self.pull.number, success_comment(head, base, new_sha, new_sha == old_sha))
        LOGGER.info("Rebased %s onto %s: %s -> %s", head, base, old_sha[:7], new_sha[:7])
        return True


async def request_rebase(webhook: GithubWebhook, pull: PullSnapshot, config: RepositoryConfig) -> int | None:
    """Queue the rebase job of the PR (one per head SHA); returns its id, None if one is active already."""
    service = release_service(webhook)
    run = RebaseRun(service, webhook.repo_context, pull, webhook.delivery.delivery_id)
    request = release_request(webhook, REBASE_JOB_KIND, REBASE_JOB_KIND, number=pull.number, sha=pull.head_sha, spec={})
    handlers = timed_handlers(service, config.check_timeout_minutes, run.run)
    return await submit_release_job(webhook, service, request, handlers)
