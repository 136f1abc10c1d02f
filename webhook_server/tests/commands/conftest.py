"""Fixtures of the command tests: a recording test oracle and one command world per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from webhook_server.libs.github import api_call, transport
from webhook_server.libs.github.pacer import PacerLimits
from webhook_server.libs.pr import merge_state
from webhook_server.libs.rules.merge_state import RecheckSchedule
from webhook_server.tests.commands.oracle_server import OracleServer
from webhook_server.tests.commands.world import CommandWorld, start_world
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.server import FakeGitHubServer

FAST_RECHECKS = RecheckSchedule(fast_interval=0.1, fast_window=0.5, slow_interval=0.2, limit=30.0)
QUIET_SECONDS = 0.1  # the spec's 3 s merge-evaluation window, shrunk for test speed


@pytest.fixture(scope="module")
def oracle() -> Iterator[OracleServer]:
    server = OracleServer()
    server.start()
    yield server
    server.stop()


def _shrink_waits(patch: pytest.MonkeyPatch) -> None:
    """Mergeable re-checks, write pacing and retry back-off, shrunk for test speed."""
    patch.setattr(
        merge_state,
        "RECHECK_SCHEDULE",
        RecheckSchedule(fast_interval=0.1, fast_window=0.5, slow_interval=0.2, limit=30.0),
    )
    patch.setattr(transport.PACER, "limits", PacerLimits(writes_per_minute=60000.0, write_burst=1000))
    api_call.configure(policy=api_call.RetryPolicy(time_scale=0.001))


@pytest.fixture(scope="module")
def command_world(
    fake_github_server: FakeGitHubServer, oracle: OracleServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CommandWorld]:
    """One server for a module's cases (each case opens its own PR); the fake is reset once at the start."""
    fake_github_server.backend.reset()
    fake = FakeGitHub(fake_github_server.backend)
    with pytest.MonkeyPatch.context() as patch:
        _shrink_waits(patch)
        world, process = start_world(fake, oracle, tmp_path_factory.mktemp("commands") / "data")
        world.server.runtime.evaluations.quiet_seconds = QUIET_SECONDS
        try:
            yield world
        finally:
            process.stop()
            api_call.configure(policy=api_call.RetryPolicy())
