"""Fixtures for the PR-workflow scenarios: the real server in-process against the fake GitHub.

The fake records the webhooks GitHub would send (a hook with no URL); a test forwards the ones it wants to
the server, waits until the ledger has finished them, and asserts on the fake's state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from webhook_server.libs.github import api_call, transport
from webhook_server.libs.github.pacer import PacerLimits
from webhook_server.libs.pr import closed, merge_state
from webhook_server.libs.rules.merge_state import RecheckSchedule
from webhook_server.tests.e2e.harness import DeliveryRow, InProcessServer, RunningServer, server_config, write_data_dir
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.webhook_schemas import unexpected_errors

REPO = "org/repo"
API_USER = "webhook-bot"
AUTHOR = "dave"
OWNERS = "approvers:\n  - alice\nreviewers:\n  - bob\n  - carol\n"
QUIET_SECONDS = 0.2
FAST_RECHECKS = RecheckSchedule(fast_interval=0.1, fast_window=0.5, slow_interval=0.2, limit=30.0)
PEOPLE = {API_USER: "admin", "alice": "write", "bob": "write", "carol": "write", AUTHOR: "write", "erin": "triage"}


@dataclass
class PrEnv:
    """The fake GitHub, the server under test, and helpers to drive a PR through them."""

    fake: FakeGitHub
    server: RunningServer
    repo: str = REPO
    forwarded: list[str] = field(default_factory=list)
    process: InProcessServer | None = None

    def stop(self) -> None:
        """Stop the server; its ledger and data dir stay for `start` (a restart of the process)."""
        assert self.process is not None
        self.process.stop()

    def start(self) -> None:
        """Start the stopped server again on the same data dir."""
        assert self.process is not None
        self.server = self.process.start()
        self.server.runtime.evaluations.quiet_seconds = QUIET_SECONDS

    def latest_payload(self, event: str, action: str | None = None) -> dict[str, Any]:
        """The newest webhook payload the fake emitted for `event` (and `action`)."""
        deliveries = self.fake.deliveries(event, action=action, full_name=self.repo)
        assert deliveries, f"the fake emitted no {event}/{action}"
        payload: dict[str, Any] = deliveries[-1].payload
        return payload

    async def forward(self, event: str, action: str | None = None) -> DeliveryRow:
        """Post the newest emitted `event`/`action` to the server and wait until it is finished."""
        return await self.deliver(event, self.latest_payload(event, action))

    async def deliver(self, event: str, payload: dict[str, Any]) -> DeliveryRow:
        """Post a payload (checked against GitHub's webhook schema first) and wait until it is finished."""
        assert unexpected_errors(event, payload) == []
        row = await self.server.deliver(event, payload, timeout=60)
        self.forwarded.append(row.delivery_id)
        return row

    async def open_pr(self, *, files: dict[str, str] | None = None, title: str = "feat: add a", **kwargs: Any) -> int:
        """Open a PR from a new branch as the author, and process its `opened` delivery."""
        kwargs.setdefault("author", AUTHOR)
        kwargs.setdefault("head", "feature")
        number = self.fake.open_pr(self.repo, title=title, files=files or {"a.py": "x = 1\n"}, **kwargs)
        row = await self.forward("pull_request", "opened")
        assert row.status == "succeeded", row.error
        return number

    def head_sha(self, number: int) -> str:
        sha: str = self.fake.pull(self.repo, number)["head"]["sha"]
        return sha

    def check(self, number: int, name: str) -> dict[str, Any]:
        """The latest check run named `name` on the PR's head."""
        runs = self.fake.check_runs(self.repo, self.head_sha(number), name)
        assert runs, f"no {name} check run"
        run: dict[str, Any] = runs[-1]
        return run

    def labels(self, number: int) -> set[str]:
        return set(self.fake.labels(self.repo, number))

    def summary(self, row: DeliveryRow) -> dict[str, Any]:
        return self.server.summary_of(row.delivery_id)


EnvFactory = Callable[..., Awaitable[PrEnv]]


def setup_repository(fake: FakeGitHub, files: dict[str, str] | None = None, **repo_options: Any) -> str:
    """The organisation, the API user's token, the repository with OWNERS, collaborators and the App."""
    fake.create_user("org", type="Organization")
    token = fake.create_token(API_USER)
    fake.create_repo(
        REPO, {"OWNERS": OWNERS, "README.md": "hello\n", **(files or {})}, collaborators=PEOPLE, **repo_options
    )
    fake.install_app(REPO)
    fake.register_hook(REPO, url="")
    return token


@pytest.fixture
def fast_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the spec's waits (mergeable re-checks, post-merge delay, write pacing, retry back-off)."""
    monkeypatch.setattr(merge_state, "RECHECK_SCHEDULE", FAST_RECHECKS)
    monkeypatch.setattr(closed, "REFRESH_DELAY_SECONDS", 0.05)
    monkeypatch.setattr(transport.PACER, "limits", PacerLimits(writes_per_minute=60000.0, write_burst=1000))
    api_call.configure(policy=api_call.RetryPolicy(time_scale=0.001))


@pytest.fixture
def make_env(fake_github: FakeGitHub, tmp_path: Path, fast_waits: None) -> Iterator[EnvFactory]:
    """`await make_env(repository_config={...}, files={...})` → a started server on a prepared repository."""
    servers: list[InProcessServer] = []

    async def factory(
        repository_config: dict[str, Any] | None = None, files: dict[str, str] | None = None, **root: Any
    ) -> PrEnv:
        token = setup_repository(fake_github, files)
        repositories = {"repo": {"name": REPO, **(repository_config or {})}}
        data_dir = tmp_path / "data"
        config = server_config(fake_github.base_url, [token], fake_github.app_id, repositories, **root)
        write_data_dir(data_dir, config, fake_github.app_private_key_pem)
        server = InProcessServer(data_dir)
        servers.append(server)
        running = server.start()
        running.runtime.evaluations.quiet_seconds = QUIET_SECONDS  # test speed: the spec's window is 3 s
        return PrEnv(fake_github, running, process=server)

    yield factory
    for server in servers:
        server.stop()
    api_call.configure(policy=api_call.RetryPolicy())
