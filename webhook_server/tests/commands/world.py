"""The world of the command tests: a fake GitHub with repositories, people in every role and OWNERS files,
the real server configured for them, and a recording test oracle. A case opens its own PR, comments as a
user, posts GitHub's `issue_comment` delivery to the server and reads back the fake's state."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from webhook_server.tests.commands.oracle_server import OracleServer
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

API_USER = "webhook-bot"
MAINTAINER = "mia"
APPROVER = "alice"
REVIEWER = "rita"
AUTHOR = "paul"
COLLABORATOR = "cole"
OUTSIDER = "zed"
ALLOWED = "al"
SUB_APPROVER = "sam"
CONTRIBUTOR = "connie"

REPO = "org/repo"
DRAFTY = "org/drafty"
OPEN_DRAFTS = "org/open-drafts"
BARE = "org/bare"
ORACLE = "org/oracle"
ORACLE_DOWN = "org/oracle-down"
ORACLE_ON_OPEN = "org/oracle-on-open"
ALL_REPOS = (REPO, DRAFTY, OPEN_DRAFTS, BARE, ORACLE, ORACLE_DOWN, ORACLE_ON_OPEN)
BOT_LOGIN = "fake-webhook-app[bot]"
CUSTOM_CHECK = "unit"

RELEASE_BRANCH = "release-1"
OTHER_RELEASE_BRANCH = "release-2"
LONG_BRANCH = "release-" + "x" * 45
DEFAULT_TITLE = "feat: change the app"
# The subprocess runner's stdin pipe fails under uvloop (`runner._write_stdin` asserts an asyncio transport
# type), which breaks OWNERS reads; until that is fixed the command world runs the server on asyncio's loop.
SERVER_LOOP: Literal["auto", "asyncio"] = "auto"
COLLABORATORS = {MAINTAINER: "admin", APPROVER: "write", REVIEWER: "read", AUTHOR: "write", COLLABORATOR: "write"}
OWNERS_ROOT = {"approvers": [APPROVER], "reviewers": [APPROVER, REVIEWER], "allowed-users": [ALLOWED]}
OWNERS_DOCS = {"approvers": [SUB_APPROVER], "reviewers": [SUB_APPROVER]}


def _oracle_block(url: str, trigger: str = "approved") -> dict[str, Any]:
    return {
        "server-url": url,
        "ai-provider": "claude",
        "ai-model": "sonnet",
        "test-patterns": ["tests/**/*.py"],
        "triggers": [trigger],
    }


def repository_entries(oracle: OracleServer) -> dict[str, Any]:
    """`repositories` of config.yaml: one entry per variant the cases need."""
    return {
        "repo": {"name": REPO},
        "drafty": {"name": DRAFTY, "allow-commands-on-draft-prs": ["lgtm", "/hold"]},
        "open-drafts": {"name": OPEN_DRAFTS, "allow-commands-on-draft-prs": []},
        "bare": {
            "name": BARE,
            "labels": {"enabled-labels": []},
            "verified-job": False,
            "security-checks": {"suspicious-paths": [], "committer-identity-check": False},
        },
        "oracle": {
            "name": ORACLE,
            "verified-job": False,
            "test-oracle": _oracle_block(oracle.url("ok")),
            "container": {"username": "builder", "password": "registry-secret", "repository": "quay.io/org/app"},
            "custom-check-runs": [{"name": CUSTOM_CHECK, "command": "true", "mandatory": False}],
        },
        "oracle-down": {"name": ORACLE_DOWN, "test-oracle": _oracle_block(oracle.url("down"))},
        "oracle-on-open": {"name": ORACLE_ON_OPEN, "test-oracle": _oracle_block(oracle.url("ok"), "pr-opened")},
    }


def create_repository(fake: FakeGitHub, full_name: str) -> None:
    """OWNERS at the root and in `docs/`, the people's permissions, release branches and a contributor."""
    files = {
        "OWNERS": yaml.safe_dump(OWNERS_ROOT),
        "docs/OWNERS": yaml.safe_dump(OWNERS_DOCS),
        "docs/index.md": "# Docs\n",
        "src/app.py": "x = 0\n",
    }
    fake.create_repo(full_name, files, collaborators={**COLLABORATORS, API_USER: "admin"})
    fake.install_app(full_name)
    fake.push(full_name, "main", {"CONTRIBUTING.md": "Be kind.\n"}, message="docs: contributing", author=CONTRIBUTOR)
    fake.create_branch(full_name, RELEASE_BRANCH)
    fake.create_branch(full_name, OTHER_RELEASE_BRANCH)
    fake.create_branch(full_name, LONG_BRANCH)
    fake.register_hook(full_name, url="", events=["issue_comment"])


@dataclass
class CommentOutcome:
    """What the fake shows after the server processed one comment."""

    comment_id: int
    delivery_id: str
    row: DeliveryRow
    replies: list[str]
    reactions: list[str]
    labels: list[str]
    pull: dict[str, Any]


@dataclass
class CommandWorld:
    """The fake, the server under test and the oracle, with helpers for one case."""

    fake: FakeGitHub
    server: RunningServer
    oracle: OracleServer
    token: str
    _branches: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def open_pr(
        self,
        repo: str,
        *,
        author: str = AUTHOR,
        title: str = DEFAULT_TITLE,
        draft: bool = False,
        labels: tuple[str, ...] = (),
        merged: bool = False,
        path: str = "src/app.py",
    ) -> int:
        """A fresh PR that changes `path` (labels added by the maintainer; merged when asked)."""
        index = next(self._branches)
        number = self.fake.open_pr(
            repo, head=f"case-{index}", title=title, author=author, draft=draft, files={path: f"x = {index}\n"}
        )
        for label in labels:
            self.fake.add_label(repo, number, label, author=MAINTAINER)
        if merged:
            self.fake.merge(repo, number, author=MAINTAINER)
        return number

    def _payload_of(self, repo: str, comment_id: int) -> dict[str, Any]:
        for delivery in reversed(self.fake.deliveries("issue_comment", full_name=repo)):
            if delivery.payload["comment"]["id"] == comment_id:
                return delivery.payload
        raise AssertionError(f"no issue_comment delivery for comment {comment_id}")

    async def comment(self, repo: str, number: int, body: str, author: str) -> CommentOutcome:
        """Comment as `author`, deliver GitHub's `issue_comment` to the server, and read back the result."""
        comment_id = self.fake.comment(repo, number, body, author=author)
        payload = self._payload_of(repo, comment_id)
        assert unexpected_errors("issue_comment", payload) == []
        delivery_id = f"comment-{comment_id}"
        response = await self.server.post("issue_comment", payload, delivery_id)
        assert response.status_code == 200, response.text
        row = await self.server.wait_finished(delivery_id, timeout=60)
        return self.outcome(repo, number, comment_id, delivery_id, row)

    def outcome(self, repo: str, number: int, comment_id: int, delivery_id: str, row: DeliveryRow) -> CommentOutcome:
        comments = self.fake.comments(repo, number)
        replies = [
            visible_text(item["body"])
            for item in comments
            if item["id"] > comment_id and item["user"]["login"] == API_USER
        ]
        reactions = [item["content"] for item in self.fake.reactions(repo, comment_id)]
        return CommentOutcome(
            comment_id=comment_id,
            delivery_id=delivery_id,
            row=row,
            replies=replies,
            reactions=reactions,
            labels=self.fake.labels(repo, number),
            pull=self._pull_or_empty(repo, number),
        )

    def _pull_or_empty(self, repo: str, number: int) -> dict[str, Any]:
        """The PR's REST shape, or `{}` for a plain issue."""
        if not any(pull["number"] == number for pull in self.fake.pulls(repo)):
            return {}
        return self.fake.pull(repo, number)


def start_world(fake: FakeGitHub, oracle: OracleServer, data_dir: Path) -> tuple[CommandWorld, InProcessServer]:
    """Create the repositories and start the server under test (stop the returned server at teardown)."""
    token = fake.create_token(API_USER)
    for full_name in ALL_REPOS:
        create_repository(fake, full_name)
    config = server_config(fake.base_url, [token], fake.app_id, repository_entries(oracle))
    write_data_dir(data_dir, config, fake.app_private_key_pem)
    process = InProcessServer(data_dir, loop=SERVER_LOOP)
    return CommandWorld(fake=fake, server=process.start(), oracle=oracle, token=token), process
