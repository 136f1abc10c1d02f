"""Shared lookups for the test API mixins: repositories, issues and users by name, under the state lock."""

from __future__ import annotations

from webhook_server.tests.fake_github.actions import ensure_user
from webhook_server.tests.fake_github.backend import Backend
from webhook_server.tests.fake_github.state import Issue, Repo, State, User


class ApiBase:
    """Holds the backend; every public method of the test API takes `self.state.lock`."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    @property
    def state(self) -> State:
        return self._backend.state

    def _repo(self, full_name: str) -> Repo:
        repo = self.state.repo(full_name)
        if repo is None:
            raise KeyError(f"no repository {full_name!r} in the fake GitHub")
        return repo

    def _issue(self, full_name: str, number: int) -> tuple[Repo, Issue]:
        repo = self._repo(full_name)
        issue = repo.issues.get(number)
        if issue is None:
            raise KeyError(f"no issue or pull request #{number} in {full_name}")
        return repo, issue

    def _pull(self, full_name: str, number: int) -> tuple[Repo, Issue]:
        repo, issue = self._issue(full_name, number)
        if issue.pull is None:
            raise KeyError(f"#{number} in {full_name} is an issue, not a pull request")
        return repo, issue

    def _user(self, login: str | None, repo: Repo | None = None) -> User:
        """The named account (created on first use), or the repository owner when None."""
        if login is None:
            assert repo is not None, "an author login is required here"
            return repo.owner
        return ensure_user(self.state, login)
