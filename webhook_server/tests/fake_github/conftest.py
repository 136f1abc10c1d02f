"""Helpers for the fake GitHub's own tests: a PyGithub client and a user with a token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from github import Auth, Github

from webhook_server.tests.fake_github.api import FakeGitHub

REPO = "octo-org/hello"


@dataclass(frozen=True)
class Scenario:
    """A repository `octo-org/hello` owned by `alice` (admin), with `bob` (write) and `carol` (read)."""

    fake: FakeGitHub
    token: str
    bob_token: str
    carol_token: str
    gh: Github
    http: httpx.Client

    def client(self, token: str) -> Github:
        return Github(base_url=self.fake.base_url, auth=Auth.Token(token), retry=None, timeout=15)


@pytest.fixture
def scenario(fake_github: FakeGitHub) -> Iterator[Scenario]:
    fake_github.create_user("octo-org", type="Organization")
    fake_github.create_repo(
        REPO,
        {"README.md": "# hello\n", "OWNERS": "approvers:\n  - alice\nreviewers:\n  - bob\n"},
        collaborators={"alice": "admin", "bob": "write", "carol": "read"},
        author="alice",
    )
    token = fake_github.create_token("alice")
    http = httpx.Client(base_url=fake_github.base_url, headers={"Authorization": f"token {token}"}, timeout=15)
    gh = Github(base_url=fake_github.base_url, auth=Auth.Token(token), retry=None, timeout=15)
    yield Scenario(
        fake=fake_github,
        token=token,
        bob_token=fake_github.create_token("bob"),
        carol_token=fake_github.create_token("carol"),
        gh=gh,
        http=http,
    )
    http.close()
    gh.close()
