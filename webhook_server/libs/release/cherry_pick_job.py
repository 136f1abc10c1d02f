"""One cherry-pick job: the original PR's merge commit onto one target branch (`release.md` §1.2).

Idempotent: an existing cherry-pick PR (recorded, or found by the fallback lookup) is never created again,
and a record left in state `pushing` whose branch exists continues at opening the PR. Failures end with a
comment on the original PR (manual instructions, push error, or how to open the PR by hand).
"""

from __future__ import annotations

import logging
from pathlib import Path

from webhook_server.libs.config import AiFeatures, RepositoryConfig
from webhook_server.libs.git.mirror import branch_refspec, pull_head_refspec
from webhook_server.libs.git.process import GitError
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.release import cherry_pick_git as picking
from webhook_server.libs.release import cherry_pick_text as text
from webhook_server.libs.release.cherry_pick_pull import PullOpener, find_existing_pull
from webhook_server.libs.release.cherry_pick_record import PUSHING, CherryPickRecord, read_record, write_record
from webhook_server.libs.release.cherry_pick_task import CherryPickTask
from webhook_server.libs.release.cherry_pick_text import TargetOutcome
from webhook_server.libs.release.conflicts import ConflictContext, ai_model_name
from webhook_server.libs.release.dco import restore_dco_author
from webhook_server.libs.release.repo_api import RepositoryApi
from webhook_server.libs.release.service import ReleaseService
from webhook_server.libs.release.worktree_git import GitAccess, WorktreeGit

LOGGER = logging.getLogger(__name__)


class CherryPickFailedError(Exception):
    """A step failed; the original PR already got its comment. Carries the outcome for the check run."""

    def __init__(self, outcome: TargetOutcome) -> None:
        super().__init__(outcome.result)
        self.outcome = outcome


class CherryPickRun:
    """The steps of one cherry-pick to one target."""

    def __init__(
        self,
        service: ReleaseService,
        repo: RepositoryContext,
        config: RepositoryConfig,
        task: CherryPickTask,
        delivery_id: str | None,
    ) -> None:
        self.service = service
        self.repo = repo
        self.config = config
        self.task = task
        self.delivery_id = delivery_id
        self.api = RepositoryApi(repo)
        self.opener = PullOpener(service, self.api, config, task)
        self.mirror = service.mirrors.mirror(repo.full_name)

    async def run(self) -> TargetOutcome:
        """Every step; returns the target's outcome (failures are outcomes, not exceptions)."""
        task = self.task
        existing = await find_existing_pull(self.service, self.api, task)
        if existing is not None:
            return existing
        record = await read_record(self.service.ledger, self.repo.full_name, task.number, task.target)
        if record is not None and record.state == PUSHING and await self.api.branch_exists(record.branch):
            LOGGER.info("Resuming the cherry-pick of #%d to %s at opening the PR", task.number, task.target)
            return await self.opener.open(record, "")
        if not await self.api.branch_exists(task.target):
            await self.api.comment(task.number, text.missing_target(task.target))
            return TargetOutcome(task.target, False, f"Target branch `{task.target}` does not exist")
        try:
            record, output = await self._pick_and_push()
        except CherryPickFailedError as failure:
            return failure.outcome
        return await self.opener.open(record, output)

    async def _fail(self, comment: str, result: str, output: str) -> CherryPickFailedError:
        await self.api.comment(self.task.number, comment)
        return CherryPickFailedError(TargetOutcome(self.task.target, False, result, None, output))

    async def _manual(self, reason: str, output: str) -> CherryPickFailedError:
        comment = text.manual_instructions(self.task.merge_commit_sha, self.task.target, reason, output)
        return await self._fail(comment, f"Cherry-pick failed: {reason}", output)

    async def _pick_and_push(self) -> tuple[CherryPickRecord, str]:
        access = GitAccess.of(self.repo)
        try:
            tip = await self._fetch(access.token)
            async with self.mirror.worktree(tip) as path:
                git = WorktreeGit.in_mirror(self.mirror, path, access, self.service.web_base_url)
                return await self._in_worktree(git)
        except GitError as error:
            LOGGER.error("Cherry-pick of #%d to %s: git failed: %s", self.task.number, self.task.target, error)
            raise await self._manual(f"git failed ({error})", error.output) from error

    async def _fetch(self, token: str) -> str:
        task = self.task
        refspecs = [branch_refspec(task.target), branch_refspec(task.source_branch), pull_head_refspec(task.number)]
        await self.mirror.fetch(token, refspecs, delivery_id=self.delivery_id)
        await self.mirror.fetch_missing_commits(token, [task.merge_commit_sha], delivery_id=self.delivery_id)
        return await self.mirror.resolve(f"refs/heads/{task.target}")

    async def _in_worktree(self, git: WorktreeGit) -> tuple[CherryPickRecord, str]:
        task = self.task
        branch = text.new_branch_name(task.head_ref, text.random_suffix())
        await git.run(["checkout", "--quiet", "-b", branch])
        pick = await picking.cherry_pick(git, task.merge_commit_sha)
        ai_model = None if pick.applied else await self._resolve_conflicts(git, pick)
        if not pick.applied and ai_model is None:
            await picking.abort_cherry_pick(git)
            raise await self._manual("conflicts" if pick.conflict else "git cherry-pick failed", pick.output)
        await restore_dco_author(git, task.merge_commit_sha, f"refs/pull/{task.number}/head")
        if self.config.pre_commit:
            await self._pre_commit(git)
        record = CherryPickRecord(task.target, branch, PUSHING, ai_resolved=ai_model is not None, ai_model=ai_model)
        await write_record(self.service.ledger, self.repo.full_name, task.number, record)
        pushed = await git.push(f"HEAD:refs/heads/{branch}")
        if not pushed.succeeded:
            output = "\n".join(part for part in (pushed.stderr.strip(), pushed.stdout.strip()) if part)
            raise await self._fail(text.push_failure(task.target, branch, output), "Push failed", output)
        return record, pick.output

    async def _pre_commit(self, git: WorktreeGit) -> None:
        timeout = self.service.timeout_seconds(self.config.check_timeout_minutes)
        outcome = await picking.run_pre_commit(git, self.service.tools.pre_commit, self.service.data_dir, timeout)
        LOGGER.info("Cherry-pick pre-commit of #%d to %s: %s", self.task.number, self.task.target, outcome.state)
        if outcome.state == "unfixable":
            raise await self._fail(text.PRE_COMMIT_UNFIXABLE, "pre-commit failed with unfixable errors", outcome.output)

    async def _resolve_conflicts(self, git: WorktreeGit, pick: picking.PickOutcome) -> str | None:
        """AI resolution when enabled and a resolver is registered; returns `<provider>/<model>` on success."""
        ai = self.config.ai_features
        feature = ai.resolve_cherry_pick_conflicts if ai else None
        resolver = self.service.conflict_resolver
        if not pick.conflict or ai is None or feature is None or not feature.enabled or resolver is None:
            return None
        files = await picking.conflicted_files(git)
        resolution = await resolver(await self._conflict_context(git, files, ai, feature.timeout_minutes))
        if not resolution.resolved:
            LOGGER.warning("AI could not resolve the cherry-pick conflicts: %s", resolution.detail)
            return None
        left = await picking.markers_left(git, files)
        if left:
            LOGGER.warning("AI left conflict markers in %s; manual cherry-pick needed", ", ".join(left))
            return None
        await picking.finish_resolution(git)
        await self._scope_check(git, pick.mainline)
        return ai_model_name(ai)

    async def _conflict_context(
        self, git: WorktreeGit, files: tuple[str, ...], ai: AiFeatures, minutes: int
    ) -> ConflictContext:
        sha = self.task.merge_commit_sha
        subject = (await git.output(["log", "-1", "--format=%s", sha])).strip()
        stat = await git.output(["show", "--stat", "--format=", sha])
        return ConflictContext(
            worktree=Path(git.path),
            commit_sha=sha,
            commit_subject=subject,
            target_branch=self.task.target,
            original_title=self.task.title,
            commit_stat=stat,
            conflicted_files=files,
            ai=ai,
            timeout_minutes=minutes,
            config=self.config,
        )

    async def _scope_check(self, git: WorktreeGit, mainline: bool) -> None:
        original = await picking.changed_file_count(git, self.task.merge_commit_sha, mainline=mainline)
        picked = await picking.changed_file_count(git, "HEAD", mainline=False)
        if picked < original:
            LOGGER.warning("AI-resolved cherry-pick changes %d files; the original changed %d", picked, original)
