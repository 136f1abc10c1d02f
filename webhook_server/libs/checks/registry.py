"""Which module builds each command check, and the output title of each (`checks.md` §3.2)."""

from __future__ import annotations

from collections.abc import Callable

from webhook_server.libs.checks import build_container, custom, pre_commit, python_module_install, tox
from webhook_server.libs.checks.model import CheckCommand, CheckInputs
from webhook_server.libs.rules.checks import BUILD_CONTAINER, PRE_COMMIT, PYTHON_MODULE_INSTALL, TOX

_BUILT_IN: dict[str, tuple[str, Callable[[CheckInputs], CheckCommand]]] = {
    TOX: (tox.TITLE, tox.command),
    PRE_COMMIT: (pre_commit.TITLE, pre_commit.command),
    PYTHON_MODULE_INSTALL: (python_module_install.TITLE, python_module_install.command),
    BUILD_CONTAINER: (build_container.TITLE, build_container.command),
}


def check_title(name: str) -> str:
    """The output title of a command check: a built-in's own, else `Custom Check: <name>`."""
    built_in = _BUILT_IN.get(name)
    return built_in[0] if built_in else custom.title(name)


def check_command(inputs: CheckInputs) -> CheckCommand:
    """The command of the check `inputs.name` (a built-in, else the custom check of that name)."""
    built_in = _BUILT_IN.get(inputs.name)
    return built_in[1](inputs) if built_in else custom.command(inputs)
