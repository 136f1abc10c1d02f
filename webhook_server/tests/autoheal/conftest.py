"""Auto-heal scenarios: the real server in-process on a fixed port, with `webhook-ip` pointing at itself,
so the fake GitHub delivers to it through the hook bootstrap creates, and fails to while it is stopped."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from webhook_server.libs.autoheal import service
from webhook_server.libs.github import api_call, transport
from webhook_server.libs.github.pacer import PacerLimits
from webhook_server.libs.pr import closed, merge_state
from webhook_server.libs.rules.merge_state import RecheckSchedule
from webhook_server.libs.runtime.server import ServerRuntime
from webhook_server.tests.e2e.harness import InProcessServer, RunningServer, free_port, server_config, write_data_dir
from webhook_server.tests.fake_github.api import FakeGitHub

REPO = "org/repo"
API_USER = "webhook-bot"
AUTHOR = "dave"
OWNERS = "approvers:\n  - alice\nreviewers:\n  - bob\n"
PEOPLE = {API_USER: "admin", "alice": "write", "bob": "write", AUTHOR: "write"}


@dataclass
class HealEnv:
    """The fake GitHub and one server data dir that can be started, stopped and started again."""

    fake: FakeGitHub
    data_dir: Path
    port: int
    process: InProcessServer | None = None
    servers: list[InProcessServer] = field(default_factory=list)
    running: RunningServer | None = None

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook_server"

    def start(self) -> RunningServer:
        self.process = InProcessServer(self.data_dir, port=self.port)
        self.servers.append(self.process)
        running = self.process.start()
        running.runtime.evaluations.quiet_seconds = 0.2
        self.running = running
        return running

    def process_runtime(self) -> ServerRuntime:
        """The runtime of the running server."""
        assert self.running is not None
        return self.running.runtime

    def stop(self) -> None:
        assert self.process is not None
        self.process.stop()
        self.process = None
        self.running = None

    def labels(self, number: int) -> set[str]:
        return set(self.fake.labels(REPO, number))

    def head_sha(self, number: int) -> str:
        sha: str = self.fake.pull(REPO, number)["head"]["sha"]
        return sha


async def until(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll `predicate` (on the test's loop, so the server thread keeps working) until it is truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{what} not reached within {timeout}s")


async def quiet(fake: FakeGitHub, seconds: float = 2.0, timeout: float = 60.0) -> float:
    """Wait until every delivery was sent and the fake answered no write for `seconds` (deliveries and
    their follow-ups have settled; periodic scans only read); returns the moment that was observed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fake.wait_for_deliveries_sent(timeout=30)
        last = max((record.time for record in fake.calls(writes_only=True)), default=0.0)
        if time.time() - last >= seconds:
            return time.time()
        await asyncio.sleep(0.2)
    raise TimeoutError("the fake GitHub never went quiet")


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Shrink waits: mergeable re-checks, write pacing, retry back-off, the reconcile-after-gap delay."""
    schedule = RecheckSchedule(fast_interval=0.05, fast_window=0.3, slow_interval=0.3, limit=1.0)
    monkeypatch.setattr(merge_state, "RECHECK_SCHEDULE", schedule)
    monkeypatch.setattr(closed, "REFRESH_DELAY_SECONDS", 0.05)
    monkeypatch.setattr(service, "GAP_RECONCILE_DELAY_SECONDS", 1.0)
    monkeypatch.setattr(transport.PACER, "limits", PacerLimits(writes_per_minute=60000.0, write_burst=1000))
    api_call.configure(policy=api_call.RetryPolicy(time_scale=0.001))
    yield
    api_call.configure(policy=api_call.RetryPolicy())


@pytest.fixture
def make_heal_env(fake_github: FakeGitHub, tmp_path: Path, fast: None) -> Iterator[Callable[..., HealEnv]]:
    """`make_heal_env(auto_heal={...}, repository_config={...})` → a prepared repository and data dir."""
    envs: list[HealEnv] = []

    def factory(auto_heal: dict[str, Any], repository_config: dict[str, Any] | None = None) -> HealEnv:
        fake_github.create_user("org", type="Organization")
        token = fake_github.create_token(API_USER)
        fake_github.create_repo(REPO, {"OWNERS": OWNERS, "README.md": "hello\n"}, collaborators=PEOPLE)
        fake_github.install_app(REPO)
        env = HealEnv(fake_github, tmp_path / "data", free_port())
        repositories = {"repo": {"name": REPO, **(repository_config or {})}}
        config = server_config(
            fake_github.base_url, [token], fake_github.app_id, repositories, webhook_ip=env.webhook_url
        )
        config["auto-heal"] = auto_heal
        write_data_dir(env.data_dir, config, fake_github.app_private_key_pem)
        envs.append(env)
        return env

    yield factory
    for env in envs:
        for server in env.servers:
            server.stop()
