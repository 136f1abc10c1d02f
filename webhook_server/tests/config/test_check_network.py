"""Network of sandboxed checks: `check-network` (root, repository, never the repo-local file) and a custom
check's `network`; either one saying false takes the network away."""

from typing import Any

import pytest

from webhook_server.libs.config import repository_config
from webhook_server.tests.config.support import minimal_config, snapshot

CUSTOM = {"name": "lint", "command": "sh -c true"}

CASES = [
    pytest.param({}, {}, None, "tox", True, id="default-has-network"),
    pytest.param({"check-network": {"tox": False}}, {}, None, "tox", False, id="root-takes-it-away"),
    pytest.param(
        {"check-network": {"tox": False}},
        {"check-network": {"pre-commit": False}},
        None,
        "tox",
        True,
        id="repository-map-replaces-root-map",
    ),
    pytest.param({}, {"custom-check-runs": [{**CUSTOM, "network": False}]}, None, "lint", False, id="custom-false"),
    pytest.param(
        {"check-network": {"lint": False}},
        {"custom-check-runs": [{**CUSTOM, "network": True}]},
        None,
        "lint",
        False,
        id="custom-true-cannot-restore",
    ),
    pytest.param(
        {"check-network": {"tox": False}},
        {},
        {"check-network": {"tox": True}},
        "tox",
        False,
        id="local-file-cannot-restore",
    ),
]


@pytest.mark.parametrize(("root", "repository", "local", "check", "expected"), CASES)
def test_network_of_a_check(
    root: dict[str, Any], repository: dict[str, Any], local: dict[str, Any] | None, check: str, expected: bool
) -> None:
    document = minimal_config(**{key.replace("-", "_"): value for key, value in root.items()})
    next(iter(document["repositories"].values())).update(repository)
    config = snapshot(document)
    effective = repository_config(config, config.repositories()[0], local)
    assert effective.network_for(check) is expected
    if local:
        assert "check-network" in effective.ignored_local_keys


def test_the_sandbox_block_is_typed_with_defaults() -> None:
    sandbox = snapshot(minimal_config(sandbox={"bwrap-path": "/usr/bin/bwrap", "read-only-paths": ["/opt/uv"]})).sandbox
    assert (sandbox.bwrap_path, sandbox.read_only_paths, sandbox.uid) == ("/usr/bin/bwrap", ("/opt/uv",), 65534)
    assert sandbox.unsafe_without_sandbox is False
    assert snapshot(minimal_config(unsafe_run_checks_without_sandbox=True)).sandbox.unsafe_without_sandbox
