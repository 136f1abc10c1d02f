"""Validation of `custom-check-runs` entries (spec config.md §4.6.1): invalid entries are skipped with a WARNING."""

import logging
import re
import shlex
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

from webhook_server.libs.config.model import CustomCheckRun
from webhook_server.libs.rules.checks import RESERVED_CHECK_NAMES

LOGGER = logging.getLogger(__name__)

CUSTOM_CHECK_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9._-]{1,64}$")
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def command_executable(command: str) -> str | None:
    """The first word of a shell-style command that is not a `VAR=value` assignment, if any.

    Raises ValueError when the command does not split shell-style (for example an unclosed quote).
    """
    for word in shlex.split(command):
        if not _ENV_ASSIGNMENT.match(word):
            return word
    return None


def _command_problem(command: object) -> str | None:
    if not isinstance(command, str) or not command.strip():
        return "'command' is required and must be a non-empty string"
    try:
        executable = command_executable(command)
    except ValueError as error:
        return f"'command' does not split shell-style: {error}"
    if executable is None:
        return "'command' has no executable after its VAR=value assignments"
    if shutil.which(executable) is None:
        return f"executable {executable!r} of 'command' is not on the server PATH"
    return None


def custom_check_problem(entry: Mapping[str, Any], seen_names: set[str]) -> str | None:
    """Why `entry` cannot be used as a custom check, or None when it is valid."""
    name = entry.get("name")
    if not isinstance(name, str):
        return "'name' is required and must be a string"
    if not CUSTOM_CHECK_NAME_PATTERN.match(name):
        return f"'name' {name!r} does not match {CUSTOM_CHECK_NAME_PATTERN.pattern}"
    if name in RESERVED_CHECK_NAMES:
        return f"'name' {name!r} is a reserved check name"
    if name in seen_names:
        return f"'name' {name!r} is used by an earlier custom check"
    return _command_problem(entry.get("command"))


def validated_custom_checks(
    entries: Sequence[Mapping[str, Any]],
    *,
    repository: str,
    default_timeout_minutes: int,
    cap_timeout: bool,
) -> tuple[CustomCheckRun, ...]:
    """The usable custom checks; each skipped entry is logged at WARNING with the rule it breaks.

    `cap_timeout` (entries from the repo-local file) caps `timeout-minutes` at `default_timeout_minutes`.
    """
    checks: list[CustomCheckRun] = []
    seen_names: set[str] = set()
    for index, entry in enumerate(entries):
        problem = custom_check_problem(entry, seen_names)
        if problem is not None:
            LOGGER.warning("%s: skipping custom-check-runs.%d: %s", repository, index, problem)
            continue
        timeout: int = entry.get("timeout-minutes", default_timeout_minutes)
        if cap_timeout:
            timeout = min(timeout, default_timeout_minutes)
        seen_names.add(entry["name"])
        checks.append(
            CustomCheckRun(
                name=entry["name"],
                command=entry["command"],
                mandatory=entry.get("mandatory", True),
                timeout_minutes=timeout,
                network=entry.get("network", True),
            )
        )
    return tuple(checks)
