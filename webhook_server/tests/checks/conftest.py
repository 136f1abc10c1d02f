"""Fixtures of the check tests: a repository on the fake GitHub, its access objects, a ledger and services."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from webhook_server.libs.checks import CheckService, CheckTarget, ToolLaunchers
from webhook_server.libs.config import RepositoryConfig, RepositoryEntry, config_from_document, repository_config
from webhook_server.libs.github import api_call
from webhook_server.libs.github.app import GithubApp
from webhook_server.libs.github.clients import PooledClient
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.pipeline.ledger import LEDGER_FILE_NAME, Ledger
from webhook_server.libs.process.sandbox import Sandbox, SandboxSettings
from webhook_server.tests.fake_github.api import FakeGitHub

FULL_NAME = "acme/widget"
API_USER = "api-bot"
ENTRY = RepositoryEntry(key="widget", full_name=FULL_NAME, short_name="widget", raw={"name": FULL_NAME})
VENV_BIN = Path(sys.executable).parent
TEST_LAUNCHERS = ToolLaunchers(
    tox=(str(VENV_BIN / "tox"),),
    pre_commit=(str(VENV_BIN / "pre-commit"),),
    pip=(sys.executable, "-m", "pip"),
    podman_build_flags=("--isolation=chroot", "--pull=never"),
)
# The test tools live in this virtualenv and its base Python: the sandbox shows them read-only.
TEST_SANDBOX_SETTINGS = SandboxSettings(read_only_paths=tuple(dict.fromkeys((sys.prefix, sys.base_prefix))))


@dataclass
class CheckWorld:
    """One repository on the fake GitHub with the server-side objects that check jobs need."""

    fake: FakeGitHub
    data_dir: Path
    ledger: Ledger
    token: str
    repo: RepositoryContext
    exchange: Path
    services: list[CheckService] = field(default_factory=list)

    def config(self, **repository_keys: Any) -> RepositoryConfig:
        """The effective config of the repository with `repository_keys` (use `_` for `-`) set."""
        keys = {key.replace("_", "-"): value for key, value in repository_keys.items()}
        document = {
            "github-app-id": self.fake.app_id,
            "github-tokens": [self.token],
            "github-api-url": self.fake.base_url,
            "repositories": {"widget": {"name": FULL_NAME, **keys}},
        }
        config = config_from_document(self.data_dir, document, require_private_key=False)
        entry = config.find_repository(FULL_NAME)
        assert entry is not None
        return repository_config(config, entry)

    def service(self, **options: Any) -> CheckService:
        """A check service on this world's ledger (stopped at teardown)."""
        settings: dict[str, Any] = {
            "data_dir": self.data_dir,
            "ledger": self.ledger,
            "max_concurrent_jobs": 4,
            "git_base_url": self.fake.base_url,
            "launchers": TEST_LAUNCHERS,
            "sandbox": Sandbox(replace(TEST_SANDBOX_SETTINGS, writable_paths=(str(self.exchange),))),
            "kill_grace_seconds": 2.0,
            **options,
        }
        service = CheckService(**settings)
        self.services.append(service)
        return service

    def open_pr(self, files: Mapping[str, str | None], branch: str = "feature") -> CheckTarget:
        """Open a PR that commits `files` on `branch`; its current head as a check target."""
        number = self.fake.open_pr(FULL_NAME, head=branch, base="main", files=files, author=API_USER)
        return self.target(number)

    def push(self, number: int, files: Mapping[str, str | None], branch: str = "feature") -> CheckTarget:
        """A new commit on the PR's branch; the PR's new head as a check target."""
        self.fake.push(FULL_NAME, branch, files, author=API_USER)
        return self.target(number)

    def target(self, number: int) -> CheckTarget:
        pull = self.fake.pull(FULL_NAME, number)
        return CheckTarget(
            number=number,
            head_sha=pull["head"]["sha"],
            head_ref=pull["head"]["ref"],
            base_ref=pull["base"]["ref"],
            base_sha=pull["base"]["sha"],
        )

    def runs(self, sha: str, name: str) -> list[dict[str, Any]]:
        """Our check runs named `name` on `sha`, oldest first."""
        return self.fake.check_runs(FULL_NAME, sha, name)


@pytest.fixture
def fast_github_retries() -> Iterator[None]:
    """No real waits between retries of GitHub calls."""
    api_call.configure(policy=api_call.RetryPolicy(time_scale=0.0))
    yield
    api_call.configure(policy=api_call.RetryPolicy())


@pytest.fixture
async def world(fake_github: FakeGitHub, tmp_path: Path, fast_github_retries: None) -> AsyncIterator[CheckWorld]:
    """`acme/widget` with the App installed, a PAT of the API user, a ledger and repository access."""
    fake_github.create_user("acme", type="Organization")
    token = fake_github.create_token(API_USER)
    fake_github.create_repo(FULL_NAME, {"README.md": "widget\n"}, collaborators={API_USER: "admin"}, author=API_USER)
    fake_github.install_app(FULL_NAME)
    data_dir = tmp_path / "data"
    ledger = await Ledger.open(data_dir / LEDGER_FILE_NAME)
    pooled = PooledClient(fake_github.base_url, (token,))
    await pooled.probe()
    app = GithubApp(fake_github.base_url, fake_github.app_id, fake_github.app_private_key_pem)
    exchange = tmp_path / "exchange"  # the one host directory test checks may write (sandbox uid included)
    exchange.mkdir(mode=0o777)
    exchange.chmod(0o777)
    world = CheckWorld(
        exchange=exchange,
        fake=fake_github,
        data_dir=data_dir,
        ledger=ledger,
        token=token,
        repo=RepositoryContext(entry=ENTRY, pooled=pooled, app=app),
    )
    yield world
    for service in world.services:
        await service.stop()
    await ledger.close()
