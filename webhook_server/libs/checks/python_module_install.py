"""The `python-module-install` check: the PR's code must build as a wheel (`checks.md` §3.2)."""

from __future__ import annotations

from webhook_server.libs.checks.model import CheckCommand, CheckInputs

TITLE = "Python module installation"


def command(inputs: CheckInputs) -> CheckCommand:
    """`uvx pip wheel --no-cache-dir -w <wt>/dist <wt>`."""
    launcher = inputs.launchers.pip or (*inputs.launchers.uvx, "pip")
    worktree = str(inputs.worktree)
    return CheckCommand(
        title=TITLE,
        argv=(*launcher, "wheel", "--no-cache-dir", "-w", f"{worktree}/dist", worktree),
        cwd=inputs.worktree,
        timeout_minutes=inputs.config.check_timeout_minutes,
    )
