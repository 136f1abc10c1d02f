"""GitHub REST calls the release jobs make for one repository, as the API user or as the App.

Jobs outlive their delivery (and are resumed after a restart), so they work from the repository's
`RepositoryContext` rather than a delivery. Every request goes through `github_api_call`.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import requests
from github import Github, GithubException, UnknownObjectException

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.github.app import AppNotInstalledError
from webhook_server.libs.github.pages import get_all_pages
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.utils.masking import mask_secret_values

LOGGER = logging.getLogger(__name__)

GithubErrors = (GithubException, requests.RequestException)


def safe_comment_body(body: str) -> str:
    """Registered secrets masked, and no line starting with `/` (a reply must never read as a command): such a
    line, for example a path in tool output, gets a leading space."""
    masked = mask_secret_values(body)
    return "\n".join(f" {line}" if line.startswith("/") else line for line in masked.split("\n"))


async def rest(github: Github, verb: str, url: str, body: Any = None) -> Any:
    """One REST request; returns the decoded JSON body (None for an empty one)."""
    _, data = await github_api_call(github.requester.requestJsonAndCheck, verb, url, input=body)
    return data


class RepositoryApi:
    """The REST calls of one repository: the API user's client, and the App's client where asked."""

    def __init__(self, repo: RepositoryContext) -> None:
        self.repo = repo
        self.full_name = repo.full_name
        self.github = repo.pooled.github

    async def app_github(self) -> Github:
        """The App installation's client; the API user's when the App token cannot be obtained."""
        app = self.repo.app
        if app is None:
            LOGGER.warning("No GitHub App configured for %s; acting as the API user", self.full_name)
            return self.github
        try:
            return await app.client_for(self.full_name)
        except (AppNotInstalledError, *GithubErrors) as error:
            LOGGER.warning("No App token for %s (%s); acting as the API user", self.full_name, error)
            return self.github

    async def branch_exists(self, branch: str) -> bool:
        """Whether the branch exists on GitHub."""
        try:
            await rest(self.github, "GET", f"/repos/{self.full_name}/branches/{quote(branch, safe='')}")
        except UnknownObjectException:
            return False
        return True

    async def comment(self, number: int, body: str) -> int:
        """Comment on issue or PR `number` as the API user; returns the comment id."""
        url = f"/repos/{self.full_name}/issues/{number}/comments"
        data = await rest(self.github, "POST", url, {"body": safe_comment_body(body)})
        comment_id: int = data["id"]
        return comment_id

    async def pull(self, number: int) -> dict[str, Any]:
        """The PR's REST JSON."""
        data: dict[str, Any] = await rest(self.github, "GET", f"/repos/{self.full_name}/pulls/{number}")
        return data

    async def open_pulls(self, base: str) -> list[dict[str, Any]]:
        """Open PRs whose base is `base`."""
        return await get_all_pages(self.github, f"/repos/{self.full_name}/pulls", {"state": "open", "base": base})

    async def close_pull(self, number: int) -> None:
        """Close a PR (as the API user)."""
        await rest(self.github, "PATCH", f"/repos/{self.full_name}/pulls/{number}", {"state": "closed"})
