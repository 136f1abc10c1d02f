"""The AI conflict resolver of cherry-picks (`oracle-and-ai.md` §3.3): runs the AI CLI in the worktree while
`git cherry-pick` is stopped on conflicts, with the system prompt and the task prompt of the spec.

It only asks the AI and checks that the worktree is still on its branch; the cherry-pick job then checks for
conflict markers, stages, continues and labels (`release/cherry_pick_job.py`). Any failure is a
`ConflictResolution(resolved=False)` with the reason, and the job takes the manual path.
"""

from __future__ import annotations

import logging
from pathlib import Path

from webhook_server.libs.git.process import GitError, GitRunner
from webhook_server.libs.process.ai_cli import AiRequest, run_ai_cli
from webhook_server.libs.release.conflicts import ConflictContext, ConflictResolution, ConflictResolver

LOGGER = logging.getLogger(__name__)

SYSTEM_PROMPT = "\n".join(
    [
        "You are resolving the conflicts of a `git cherry-pick` that stopped in this working tree.",
        "Preserve the intent of the picked change: the upstream change comes first, adapted to the target branch.",
        "Remove every conflict marker (<<<<<<<, =======, >>>>>>>) from every conflicted file.",
        "To delete a file, use `git rm`; never leave it empty.",
        "Do not commit, do not push, do not change branches.",
    ]
)
BRANCH_CHANGED = "the AI CLI changed the branch of the worktree"


def conflict_task_prompt(context: ConflictContext) -> str:
    """The task: commit and subject, target branch, original PR title, the commit's stat, conflicted files."""
    files = "\n".join(f"- {path}" for path in context.conflicted_files)
    return "\n".join(
        [
            f"Cherry-picked commit: {context.commit_sha} {context.commit_subject}",
            f"Target branch: {context.target_branch}",
            f"Original pull request title: {context.original_title}",
            "",
            "Files changed by the original commit:",
            context.commit_stat.rstrip(),
            "",
            "Conflicted files:",
            files,
        ]
    )


async def _current_branch(git: GitRunner, worktree: Path) -> str:
    return (await git.output(["symbolic-ref", "--quiet", "HEAD"], cwd=worktree)).strip()


def ai_conflict_resolver(data_dir: Path) -> ConflictResolver:
    """The resolver to register on the release service (`ReleaseService.conflict_resolver`)."""
    git = GitRunner(data_dir)

    async def resolve(context: ConflictContext) -> ConflictResolution:
        request = AiRequest(
            provider=context.ai.ai_provider,
            model=context.ai.ai_model,
            worktree=context.worktree,
            prompt=conflict_task_prompt(context),
            system_prompt=SYSTEM_PROMPT,
            timeout_minutes=context.timeout_minutes,
        )
        try:
            branch = await _current_branch(git, context.worktree)
            answer = await run_ai_cli(
                request, data_dir=data_dir, passthrough=context.config.check_environment_passthrough
            )
            if answer.error is not None:
                return ConflictResolution(False, answer.error)
            if await _current_branch(git, context.worktree) != branch:
                LOGGER.error("AI conflict resolution of %s: %s", context.commit_sha[:7], BRANCH_CHANGED)
                return ConflictResolution(False, BRANCH_CHANGED)
        except GitError as error:
            LOGGER.error("AI conflict resolution of %s: git failed: %s", context.commit_sha[:7], error.output)
            return ConflictResolution(False, str(error))
        LOGGER.info("AI resolved the conflicts of %s on %s", context.commit_sha[:7], context.target_branch)
        return ConflictResolution(True, "resolved by the AI CLI")

    return resolve
