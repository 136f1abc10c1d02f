"""`custom-check-runs` rules (spec config.md §4.6.1): invalid entries are skipped with a WARNING, never fatal."""

import logging
from typing import Any

import pytest

from webhook_server.libs.config import CustomCheckRun, repository_config
from webhook_server.tests.config.support import minimal_config, snapshot

VALID = {"name": "lint", "command": "sh -c true"}

SKIP_CASES = [
    ({"command": "sh -c true"}, "'name' is required and must be a string"),
    ({"name": "has space", "command": "sh"}, "'name' 'has space' does not match ^[a-zA-Z0-9._-]{1,64}$"),
    ({"name": "x" * 65, "command": "sh"}, f"'name' '{'x' * 65}' does not match ^[a-zA-Z0-9._-]{{1,64}}$"),
    ({"name": "tox", "command": "sh"}, "'name' 'tox' is a reserved check name"),
    ({"name": "verified", "command": "sh"}, "'name' 'verified' is a reserved check name"),
    ({"name": "CherryPicked", "command": "sh"}, "'name' 'CherryPicked' is a reserved check name"),
    ({"name": "lint", "command": "sh -c false"}, "'name' 'lint' is used by an earlier custom check"),
    ({"name": "no-command"}, "'command' is required and must be a non-empty string"),
    ({"name": "blank", "command": "   "}, "'command' is required and must be a non-empty string"),
    ({"name": "quote", "command": "sh -c 'x"}, "'command' does not split shell-style: No closing quotation"),
    ({"name": "env-only", "command": "A=1 B=2"}, "'command' has no executable after its VAR=value assignments"),
    (
        {"name": "missing", "command": "FOO=1 no-such-tool-xyz --flag"},
        "executable 'no-such-tool-xyz' of 'command' is not on the server PATH",
    ),
]


@pytest.mark.parametrize(
    ("bad_entry", "warning"),
    SKIP_CASES,
    ids=[
        "name-missing",
        "name-pattern",
        "name-too-long",
        "reserved-builtin",
        "reserved-verified",
        "reserved-cherrypicked",
        "duplicate-name",
        "command-missing",
        "command-blank",
        "command-unsplittable",
        "command-only-assignments",
        "executable-not-on-path",
    ],
)
def test_invalid_entry_is_skipped_with_warning(
    bad_entry: dict[str, Any], warning: str, caplog: pytest.LogCaptureFixture
) -> None:
    document = minimal_config()
    document["repositories"]["my-repo"]["custom-check-runs"] = [VALID, bad_entry]
    with caplog.at_level(logging.WARNING):
        config = snapshot(document)
        checks = repository_config(config, config.repositories()[0]).custom_check_runs
    assert checks == (CustomCheckRun(name="lint", command="sh -c true", timeout_minutes=30),)
    assert f"my-org/my-repo: skipping custom-check-runs.1: {warning}" in caplog.text


def test_assignments_before_the_executable_are_allowed() -> None:
    document = minimal_config()
    document["repositories"]["my-repo"]["custom-check-runs"] = [
        {"name": "env", "command": "FOO=1 BAR='a b' sh -c 'echo {worktree_path}'", "mandatory": False}
    ]
    config = snapshot(document)
    (check,) = repository_config(config, config.repositories()[0]).custom_check_runs
    assert check.mandatory is False
    assert check.command == "FOO=1 BAR='a b' sh -c 'echo {worktree_path}'"


TIMEOUT_CASES = [
    (None, None, None, 30),
    (20, 45, None, 45),
    (None, 45, None, 45),
    (20, 90, None, 90),
    (20, None, 90, 20),
    (20, None, 10, 10),
]


@pytest.mark.parametrize(
    ("server_timeout", "entry_timeout", "local_timeout", "expected"),
    TIMEOUT_CASES,
    ids=[
        "default-check-timeout",
        "entry-timeout-from-config-yaml",
        "entry-timeout-without-server-value",
        "config-yaml-entry-is-not-capped",
        "local-entry-capped-at-server-timeout",
        "local-entry-below-cap-kept",
    ],
)
def test_timeouts(
    server_timeout: int | None, entry_timeout: int | None, local_timeout: int | None, expected: int
) -> None:
    document = minimal_config()
    repo = document["repositories"]["my-repo"]
    if server_timeout is not None:
        repo["check-timeout-minutes"] = server_timeout
    entry: dict[str, Any] = dict(VALID)
    if entry_timeout is not None:
        entry["timeout-minutes"] = entry_timeout
    repo["custom-check-runs"] = [entry]
    local = None
    if local_timeout is not None:
        local = {"custom-check-runs": [{**VALID, "timeout-minutes": local_timeout}]}
    config = snapshot(document)
    (check,) = repository_config(config, config.repositories()[0], local).custom_check_runs
    assert check.timeout_minutes == expected
