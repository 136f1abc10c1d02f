"""A bootstrap test world: the fake GitHub with an org, an admin API user, repositories and a config."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webhook_server.libs.bootstrap import BootstrapResult, bootstrap_repositories
from webhook_server.libs.bootstrap.model import ActiveJobCheck, RerunCheck
from webhook_server.libs.config import ServerConfig, config_from_document
from webhook_server.libs.github.repository_context import GithubAccess
from webhook_server.libs.github.transport import install_transport
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.faults import RequestRecord

ORG = "acme"
API_USER = "api-user"
WEBHOOK_URL = "http://127.0.0.1:9/webhook_server"  # nothing listens there: the fake's deliveries fail fast
WEBHOOK_SECRET = "bootstrap-secret-1"


@dataclass
class World:
    """One test's fake GitHub, data dir and config document (change `root`/`repositories`, then run)."""

    fake: FakeGitHub
    data_dir: Path
    token: str
    root: dict[str, Any] = field(default_factory=dict)
    repositories: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_repo(self, name: str, entry: dict[str, Any] | None = None, *, install: bool = True, **repo: Any) -> str:
        """Create `acme/<name>` (API user is admin) and configure it; returns the full name."""
        full_name = f"{ORG}/{name}"
        files = repo.pop("files", {"README.md": "# test\n"})
        self.fake.create_repo(full_name, files, collaborators={API_USER: "admin"}, **repo)
        if install:
            self.fake.install_app(full_name)
        self.repositories[name] = {"name": full_name, **(entry or {})}
        return full_name

    def config(self) -> ServerConfig:
        document = {
            "github-api-url": self.fake.base_url,
            "github-app-id": self.fake.app_id,
            "github-tokens": [self.token],
            "webhook-ip": WEBHOOK_URL,
            "webhook-secret": WEBHOOK_SECRET,
            **self.root,
            "repositories": self.repositories,
        }
        document = {key: value for key, value in document.items() if value is not None}
        return config_from_document(self.data_dir, document, require_private_key=False)

    async def bootstrap(
        self, *, rerun_check: RerunCheck | None = None, active_job: ActiveJobCheck | None = None
    ) -> dict[str, BootstrapResult]:
        """One server start's bootstrap of every configured repository (a fresh GithubAccess each time)."""
        install_transport()
        config = self.config()
        access = GithubAccess(config, self.fake.app_private_key_pem)
        return await bootstrap_repositories(
            config, access, config.repositories(), rerun_check=rerun_check, active_job=active_job
        )

    def writes(self, path_prefix: str | None = None) -> list[RequestRecord]:
        """Write calls (POST/PATCH/PUT/DELETE) the server made, optionally under one path."""
        return self.fake.calls(path_prefix=path_prefix, writes_only=True)


def make_world(fake: FakeGitHub, data_dir: Path) -> World:
    fake.create_user(ORG, type="Organization")
    return World(fake=fake, data_dir=data_dir, token=fake.create_token(API_USER))
