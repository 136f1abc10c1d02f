"""The world of the release tests: the fake GitHub with repositories for each release flow, the real server
configured for them, the real registries, PyPI server and Slack receiver, and the server's release service
switched to test launchers (no downloads, plain-HTTP registries, temporary container storage)."""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webhook_server.libs.release.service import RELEASE_EXTENSION, ReleaseService, server_release_service
from webhook_server.libs.release.tools import ReleaseTools
from webhook_server.libs.runtime.server import ServerRuntime
from webhook_server.tests.checks.test_builtin_checks import BASE_IMAGE
from webhook_server.tests.e2e.harness import (
    DeliveryRow,
    InProcessServer,
    RunningServer,
    server_config,
    visible_text,
    write_data_dir,
)
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.webhook_schemas import unexpected_errors
from webhook_server.tests.release.servers import VENV_BIN, PypiServer, Registry, SlackReceiver

API_USER = "release-bot"
MAINTAINER = "mia"
APPROVER = "alice"
AUTHOR = "dana"
AUTHOR_NAME = "Dana Dev"
REGISTRY_USER = "pusher"
REGISTRY_PASSWORD = "registry-secret-value"
PYPI_TOKEN = "pypi-secret-token-value"

PICKS = "org/picks"
AI_PICKS = "org/ai-picks"
HOOKS = "org/hooks"
IMAGES = "org/images"
LOCKED = "org/locked"
WRONG_LOGIN = "org/wrong-login"
GHCR = "org/ghcr"
PACKAGE = "org/package"
ALL_REPOS = (PICKS, AI_PICKS, HOOKS, IMAGES, LOCKED, WRONG_LOGIN, GHCR, PACKAGE)

RELEASE_BRANCH = "release-1"
OTHER_BRANCH = "release-2"
LONG_BRANCH = "release-" + "x" * 45
AI_FEATURES = {
    "ai-provider": "claude",
    "ai-model": "sonnet",
    "resolve-cherry-pick-conflicts-with-ai": {"enabled": True},
}
DOCKERFILE = (
    f"FROM {BASE_IMAGE}\nARG FLAVOUR=plain\nARG EXTRA=none\n"
    'RUN echo "$FLAVOUR $EXTRA" > /flavour.txt\nCOPY app.txt /app.txt\n'
)
PRE_COMMIT_CONFIG = """repos:
  - repo: local
    hooks:
      - id: no-tabs
        name: replace tabs
        entry: sed -i 's/\\t/    /g'
        language: system
        files: '\\.py$'
      - id: no-forbidden
        name: forbid FORBIDDEN
        entry: '! grep -n FORBIDDEN'
        language: system
        files: '\\.txt$'
"""
BACKEND = (Path(__file__).parent / "package_backend.py").read_text()
PYPROJECT = """[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]
"""


def release_tools(storage: Mapping[str, str], pypi: PypiServer) -> ReleaseTools:
    """Launchers for this machine: installed tools, local storage and indexes, shrunk minutes."""
    return ReleaseTools(
        podman_build_flags=("--isolation=chroot", "--pull=never"),
        registry_flags=("--tls-verify=false",),
        uv=("uv", "--offline"),
        twine=(str(VENV_BIN / "twine"),),
        twine_upload_flags=("--repository-url", pypi.url, "--non-interactive"),
        pre_commit=(str(VENV_BIN / "pre-commit"),),
        environment=dict(storage),
    )


def _container(registry: Registry, name: str, password: str = REGISTRY_PASSWORD, **extra: Any) -> dict[str, Any]:
    return {
        "username": REGISTRY_USER,
        "password": password,
        "repository": f"{registry.host}/{name}",
        "oci-annotations": {"enabled": True},
        **extra,
    }


@dataclass(frozen=True)
class Servers:
    """The real servers the release flows talk to."""

    registry: Registry
    locked_registry: Registry
    pypi: PypiServer
    slack: SlackReceiver


def repository_entries(servers: Servers) -> dict[str, Any]:
    """`repositories` of config.yaml, one entry per flow."""
    slack = servers.slack.url("ok")
    return {
        "picks": {"name": PICKS, "slack-webhook-url": slack},
        "ai-picks": {"name": AI_PICKS, "ai-features": AI_FEATURES},
        "hooks": {"name": HOOKS, "pre-commit": True},
        "images": {
            "name": IMAGES,
            "slack-webhook-url": slack,
            "container": {**_container(servers.registry, "org/images"), "build-args": ["FLAVOUR=configured"]},
        },
        "locked": {"name": LOCKED, "container": _container(servers.locked_registry, "org/locked")},
        "wrong-login": {
            "name": WRONG_LOGIN,
            "container": _container(servers.locked_registry, "org/wrong", password="not-the-password"),
        },
        "ghcr": {"name": GHCR, "container": {"username": "u", "password": "p", "repository": "ghcr.io/org/ghcr-app"}},
        "package": {
            "name": PACKAGE,
            "slack-webhook-url": slack,
            "pypi": {"token": PYPI_TOKEN},
            "container": _container(servers.registry, "org/package", release=True),
        },
    }


def _files(full_name: str) -> dict[str, str]:
    files = {"OWNERS": f"approvers:\n  - {APPROVER}\nreviewers:\n  - {APPROVER}\n", "src/app.py": "x = 0\n"}
    if full_name == HOOKS:
        files[".pre-commit-config.yaml"] = PRE_COMMIT_CONFIG
    if full_name in (IMAGES, LOCKED, PACKAGE):
        files["Dockerfile"] = DOCKERFILE
        files["app.txt"] = "app\n"
    if full_name == PACKAGE:
        files.update({"pyproject.toml": PYPROJECT, "backend.py": BACKEND, "VERSION": "1.0.0\n"})
        files["tiny_release_pkg/__init__.py"] = "RELEASED = True\n"
    return files


def create_repository(fake: FakeGitHub, full_name: str) -> None:
    people = {MAINTAINER: "admin", APPROVER: "write", AUTHOR: "write", API_USER: "admin"}
    fake.create_repo(full_name, _files(full_name), collaborators=people)
    fake.install_app(full_name)
    fake.create_branch(full_name, RELEASE_BRANCH)
    fake.create_branch(full_name, OTHER_BRANCH)
    fake.create_branch(full_name, LONG_BRANCH)
    fake.register_hook(full_name, url="")


@dataclass
class ReleaseWorld:
    """The fake, the running server, the real servers, and helpers to drive PRs through them."""

    fake: FakeGitHub
    server: RunningServer
    servers: Servers
    service: ReleaseService
    _branches: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def open_pr(
        self,
        repo: str,
        files: Mapping[str, str | None],
        *,
        title: str = "feat: change",
        message: str | None = None,
        base: str = "main",
    ) -> int:
        """A PR from a fresh branch by the author, committing `files`."""
        head = f"change-{next(self._branches)}"
        return self.fake.open_pr(repo, head=head, base=base, title=title, author=AUTHOR, files=files, message=message)

    def payload(self, repo: str, event: str, action: str | None = None) -> dict[str, Any]:
        deliveries = self.fake.deliveries(event, action=action, full_name=repo)
        assert deliveries, f"the fake emitted no {event}/{action}"
        payload: dict[str, Any] = deliveries[-1].payload
        return payload

    async def deliver(self, event: str, payload: dict[str, Any], timeout: float = 180) -> DeliveryRow:
        """Post a schema-checked payload and wait until the server (and the jobs it waits for) finished it."""
        assert unexpected_errors(event, payload) == []
        row = await self.server.deliver(event, payload, timeout=timeout)
        assert row.status == "succeeded", row.error
        return row

    async def merge(self, repo: str, number: int, method: str = "squash") -> dict[str, Any]:
        """Merge as the maintainer and deliver `pull_request.closed`; returns the payload (for redelivery)."""
        self.fake.merge(repo, number, author=MAINTAINER, method=method)
        payload = self.payload(repo, "pull_request", "closed")
        await self.deliver("pull_request", payload)
        return payload

    async def comment(self, repo: str, number: int, body: str, author: str = MAINTAINER) -> list[str]:
        """Comment, deliver the `issue_comment`, and return the server's new comments on the PR."""
        comment_id = self.fake.comment(repo, number, body, author=author)
        payloads = [d.payload for d in self.fake.deliveries("issue_comment", full_name=repo)]
        payload = next(item for item in reversed(payloads) if item["comment"]["id"] == comment_id)
        await self.deliver("issue_comment", payload)
        return [
            visible_text(item["body"])
            for item in self.fake.comments(repo, number)
            if item["id"] > comment_id and item["user"]["login"] == API_USER
        ]

    def server_comments(self, repo: str, number: int) -> list[str]:
        comments = self.fake.comments(repo, number)
        return [visible_text(item["body"]) for item in comments if item["user"]["login"] == API_USER]

    def cherry_pick_pulls(self, repo: str, target: str) -> list[dict[str, Any]]:
        """Every PR (any state) into `target` opened by the App."""
        return [
            pull
            for pull in self.fake.pulls(repo)
            if pull["base"]["ref"] == target and pull["user"]["login"] == self.fake.bot_login
        ]

    def git(self, repo: str, *args: str) -> str:
        """Read the fake's bare repository with git."""
        found = self.fake.state.repo(repo)
        assert found is not None, repo
        return found.git.text(*args)


def install_release_service(runtime: ServerRuntime, tools: ReleaseTools) -> ReleaseService:
    """The server's release service, built from its check service with the test launchers."""
    runtime.services.extensions.pop(RELEASE_EXTENSION, None)
    service: ReleaseService = server_release_service(runtime.services, runtime.data_dir, tools)
    return service


def start_world(
    fake: FakeGitHub, servers: Servers, storage: Mapping[str, str], data_dir: Path
) -> tuple[ReleaseWorld, InProcessServer]:
    """Create the repositories, start the server and install the test launchers (stop the server at teardown)."""
    fake.create_user(AUTHOR, name=AUTHOR_NAME, email="dana@users.noreply.example")
    token = fake.create_token(API_USER)
    for full_name in ALL_REPOS:
        create_repository(fake, full_name)
    write_data_dir(
        data_dir,
        server_config(fake.base_url, [token], fake.app_id, repository_entries(servers)),
        fake.app_private_key_pem,
    )
    process = InProcessServer(data_dir)
    server = process.start()
    service = install_release_service(server.runtime, release_tools(storage, servers.pypi))
    return ReleaseWorld(fake=fake, server=server, servers=servers, service=service), process


def run(*argv: str, cwd: Path | None = None) -> str:
    """A command's stdout (raises on failure)."""
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=True).stdout
