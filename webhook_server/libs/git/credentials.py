"""What git learns about who we are, only through its process environment (`intake.md` §6.7).

The token becomes an `http.<base url>/.extraHeader` set with `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_0`/
`GIT_CONFIG_VALUE_0`, so it is never written to `.git/config` and never appears in an argument vector.
Commits the server creates carry the API user's identity through `GIT_AUTHOR_*`/`GIT_COMMITTER_*`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass


def git_auth_environment(git_base_url: str, token: str) -> dict[str, str]:
    """Environment entries that make git send `Authorization: Basic <x-access-token:token>` to the base URL."""
    credentials = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{git_base_url.rstrip('/')}/.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {credentials}",
    }


@dataclass(frozen=True)
class CommitIdentity:
    """Author and committer of commits the server creates (merges, rebases, cherry-pick fix-ups)."""

    name: str
    email: str

    @classmethod
    def for_api_user(cls, login: str, user_id: int) -> CommitIdentity:
        """The API user's login and GitHub's no-reply address `<id>+<login>@users.noreply.github.com`."""
        return cls(name=login, email=f"{user_id}+{login}@users.noreply.github.com")

    def environment(self) -> dict[str, str]:
        """`GIT_AUTHOR_*` and `GIT_COMMITTER_*` entries for the git process."""
        return {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }
