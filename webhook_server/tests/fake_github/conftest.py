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
        return pygithub(self.fake, token)


def pygithub(fake: FakeGitHub, token: str, per_page: int = 30) -> Github:
    """A PyGithub client for the fake, without PyGithub's own retry and write throttling."""
    return Github(
        base_url=fake.base_url,
        auth=Auth.Token(token),
        retry=None,
        timeout=15,
        seconds_between_requests=0,
        seconds_between_writes=0,
        per_page=per_page,
    )


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
    gh = pygithub(fake_github, token)
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
