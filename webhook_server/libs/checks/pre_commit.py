"""The `pre-commit` check: the repository's hooks on every file (`checks.md` §3.2)."""

from __future__ import annotations

from webhook_server.libs.checks.model import CheckCommand, CheckInputs

TITLE = "Pre-Commit"


def command(inputs: CheckInputs) -> CheckCommand:
    """`uvx --directory <wt> prek run --all-files`, in the worktree."""
    launcher = inputs.launchers.pre_commit or (*inputs.launchers.uvx, "--directory", str(inputs.worktree), "prek")
    return CheckCommand(
        title=TITLE,
        argv=(*launcher, "run", "--all-files"),
        cwd=inputs.worktree,
        timeout_minutes=inputs.config.check_timeout_minutes,
    )
