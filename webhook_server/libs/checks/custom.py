"""A custom check: the configured command through `/bin/sh -c` in the worktree (`checks.md` §3.2)."""

from __future__ import annotations

from webhook_server.libs.checks.model import CheckCommand, CheckInputs, CheckNotRunnableError

WORKTREE_PLACEHOLDER = "{worktree_path}"


def title(name: str) -> str:
    """`Custom Check: <name>`."""
    return f"Custom Check: {name}"


def command(inputs: CheckInputs) -> CheckCommand:
    """`/bin/sh -c '<command>'` with every `{worktree_path}` replaced; its own timeout."""
    check = next((check for check in inputs.config.custom_check_runs if check.name == inputs.name), None)
    if check is None:
        raise CheckNotRunnableError(f"custom check {inputs.name} is not configured for this repository")
    script = check.command.replace(WORKTREE_PLACEHOLDER, str(inputs.worktree))
    return CheckCommand(
        title=title(inputs.name),
        argv=("/bin/sh", "-c", script),
        cwd=inputs.worktree,
        timeout_minutes=check.timeout_minutes,
    )
