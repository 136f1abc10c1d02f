"""The `tox` check: tox with the envs of the PR's base branch (`checks.md` §3.2, `config.md` §4.1)."""

from __future__ import annotations

from webhook_server.libs.checks.model import CheckCommand, CheckInputs, CheckNotRunnableError

TITLE = "Tox"


def command(inputs: CheckInputs) -> CheckCommand:
    """`uvx [--python=<v>] tox --workdir <wt> --root <wt> -c <wt> [-e <envs>] [<args>]`."""
    tox = inputs.config.tox
    if tox is None:
        raise CheckNotRunnableError("tox is not configured for this repository")
    launcher = inputs.launchers.tox
    if launcher is None:
        python = (f"--python={tox.python_version}",) if tox.python_version else ()
        launcher = (*inputs.launchers.uvx, *python, "tox")
    worktree = str(inputs.worktree)
    envs = tox.envs_for_branch(inputs.target.base_ref)
    selection = ("-e", envs.replace(" ", "")) if envs else ()
    return CheckCommand(
        title=TITLE,
        argv=(*launcher, "--workdir", worktree, "--root", worktree, "-c", worktree, *selection, *tox.args),
        cwd=inputs.worktree,
        timeout_minutes=inputs.config.check_timeout_minutes,
    )
