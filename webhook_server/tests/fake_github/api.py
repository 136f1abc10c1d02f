"""The plain-Python test API of the fake GitHub (`FakeGitHub`): set up accounts, repositories and pull
requests, act as users, and read back what the server under test did. See README.md beside this file.

Changes made here emit the same webhooks as the same change made through the HTTP API.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from webhook_server.tests.fake_github import actions_git
from webhook_server.tests.fake_github.actions import ensure_user
from webhook_server.tests.fake_github.api_acts import ActMixin
from webhook_server.tests.fake_github.api_control import ControlMixin
from webhook_server.tests.fake_github.api_reads import ReadMixin
from webhook_server.tests.fake_github.gitrepo import ZERO_SHA, GitRepo, Identity
from webhook_server.tests.fake_github.serializers import repo_json, user_json
from webhook_server.tests.fake_github.state import (
    PERMISSION_LEVELS,
    Installation,
    Repo,
    Token,
)

JSON = dict[str, Any]


class FakeGitHub(ActMixin, ReadMixin, ControlMixin):
    """One test's view of the fake GitHub. Logins default to the repository owner where optional."""

    # ---- identity of the fake -------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """What the server's `github-api-url` is set to (REST base; web and git base too)."""
        return self._backend.base_url

    @property
    def web_url(self) -> str:
        """The web and git base: `base_url`, or the host root when served GitHub Enterprise style."""
        return self._backend.web_url or self.base_url

    @property
    def graphql_url(self) -> str:
        if self._backend.web_url:
            return f"{self._backend.web_url}/api/graphql"
        return f"{self.base_url}/graphql"

    @property
    def app_id(self) -> int:
        return self.state.app.id

    @property
    def app_slug(self) -> str:
        return self.state.app.slug

    @property
    def bot_login(self) -> str:
        """`<app slug>[bot]`, the login under which the App acts."""
        return self.state.app.bot.login

    @property
    def app_private_key_pem(self) -> str:
        """The App's RSA private key (PEM); the fake verifies App JWTs with its public key."""
        return self._backend.app_private_key_pem

    def git_url(self, full_name: str) -> str:
        return f"{self.web_url}/{full_name}.git"

    # ---- accounts and repositories ---------------------------------------------------------
    def create_user(self, login: str, *, type: str = "User", name: str | None = None, email: str | None = None) -> JSON:
        """Create (or return) an account; `type` is User, Organization or Bot."""
        with self.state.lock:
            user = ensure_user(self.state, login, kind=type)
            user.name = name or user.name
            user.email = email or user.email
            return user_json(self.state, user)

    def create_token(self, login: str, *, rate_limit: int | None = None) -> str:
        """A personal access token of `login`; `rate_limit` sets the user's hourly core limit (default 5000)."""
        with self.state.lock:
            user = ensure_user(self.state, login)
            value = "ghp_" + secrets.token_hex(18)
            self.state.tokens[value] = Token(value, "pat", user)
            if rate_limit is not None:
                self.state.token_limits[login.casefold()] = rate_limit
            return value

    def create_repo(
        self,
        full_name: str,
        files: Mapping[str, str | bytes] | None = None,
        *,
        private: bool = False,
        default_branch: str = "main",
        archived: bool = False,
        collaborators: Mapping[str, str] | None = None,
        settings: Mapping[str, Any] | None = None,
        author: str | None = None,
        message: str = "Initial commit",
    ) -> JSON:
        """A repository backed by a bare git repo, with `files` committed on the default branch."""
        owner_login, name = full_name.split("/", 1)
        with self.state.lock:
            if self.state.repo(full_name) is not None:
                raise ValueError(f"repository {full_name} already exists")
            owner = self.state.user(owner_login) or ensure_user(self.state, owner_login)
            git = GitRepo.init_bare(self._backend.git_root / owner.login / f"{name}.git", default_branch)
            repo = Repo(id=self.state.next_id(), owner=owner, name=name, git=git, private=private)
            repo.default_branch = default_branch
            repo.settings.update(settings or {})
            self.state.repos[full_name.casefold()] = repo
            for login, permission in (collaborators or {}).items():
                self._set_collaborator(repo, login, permission)
            if files:
                who = self._user(author, repo)
                identity = actions_git.identity_of(who)
                git.commit_files(
                    f"refs/heads/{default_branch}",
                    None,
                    dict(files),
                    message=message,
                    author=identity,
                    committer=identity,
                )
            repo.archived = archived
            return repo_json(self.state, repo, rest=True)

    def _set_collaborator(self, repo: Repo, login: str, permission: str | None) -> None:
        if permission is None:
            repo.collaborators.pop(login.casefold(), None)
            return
        if permission not in PERMISSION_LEVELS:
            raise ValueError(f"permission must be one of {sorted(PERMISSION_LEVELS)}")
        repo.collaborators[login.casefold()] = (ensure_user(self.state, login), permission)

    def set_collaborator(self, full_name: str, login: str, permission: str | None) -> None:
        """Grant read | triage | write | maintain | admin; None removes the collaborator."""
        with self.state.lock:
            self._set_collaborator(self._repo(full_name), login, permission)

    def update_repo(self, full_name: str, **settings: Any) -> None:
        """Change repository settings directly (e.g. allow_auto_merge=True, archived=True, private=True)."""
        with self.state.lock:
            repo = self._repo(full_name)
            for key, value in settings.items():
                if key in ("archived", "private", "default_branch", "description"):
                    setattr(repo, key, value)
                else:
                    repo.settings[key] = value

    def install_app(self, full_name: str) -> int:
        """Install the App on the repository (one installation per owner account); returns its id."""
        with self.state.lock:
            repo = self._repo(full_name)
            installation = next(
                (item for item in self.state.installations.values() if item.account.id == repo.owner.id), None
            )
            if installation is None:
                installation = Installation(id=self.state.next_id(), account=repo.owner)
                self.state.installations[installation.id] = installation
            installation.repo_ids.add(repo.id)
            repo.installation_id = installation.id
            return installation.id

    def installation_token(self, full_name: str) -> str:
        """An installation access token of the App for the repository's installation."""
        with self.state.lock:
            repo = self._repo(full_name)
            assert repo.installation_id is not None, f"the App is not installed on {full_name}"
            value = "ghs_" + secrets.token_hex(18)
            self.state.tokens[value] = Token(value, "installation", self.state.app.bot, repo.installation_id)
            return value

    # ---- git ----------------------------------------------------------------------------------
    def push(
        self,
        full_name: str,
        branch: str,
        files: Mapping[str, str | bytes | None] | None = None,
        *,
        message: str = "Update files",
        author: str | None = None,
        committer: str | tuple[str, str] | None = None,
        parent: str | None = None,
    ) -> str:
        """Commit `files` (None deletes a path) on `branch` and push it as `author`; returns the new SHA.

        A new branch starts at `parent` or the default branch. `committer` is a login, a raw
        (name, email) identity GitHub links to no account, or None for the author.
        """
        with self.state.lock:
            repo = self._repo(full_name)
            pusher = self._user(author, repo)
            identity: Identity | None = None
            if isinstance(committer, tuple):
                identity = Identity(*committer)
            elif committer is not None:
                identity = actions_git.identity_of(ensure_user(self.state, committer))
            return actions_git.commit_and_push(
                self._backend,
                repo,
                branch,
                dict(files or {}),
                message=message,
                author=pusher,
                committer=identity,
                parent=parent,
            )

    def create_branch(
        self, full_name: str, branch: str, from_ref: str | None = None, *, author: str | None = None
    ) -> str:
        with self.state.lock:
            repo = self._repo(full_name)
            sha = repo.git.rev(from_ref or f"refs/heads/{repo.default_branch}")
            assert sha is not None, f"unknown ref {from_ref}"
            ref = f"refs/heads/{branch}"
            repo.git.update_ref(ref, sha)
            actions_git.apply_ref_updates(self._backend, repo, [(ref, ZERO_SHA, sha)], self._user(author, repo))
            return sha

    def create_tag(self, full_name: str, tag: str, ref: str | None = None, *, author: str | None = None) -> str:
        """Push a lightweight tag at `ref` (default branch by default); emits a tag `push`. Returns its SHA."""
        with self.state.lock:
            repo = self._repo(full_name)
            sha = repo.git.rev(ref or f"refs/heads/{repo.default_branch}")
            assert sha is not None, f"unknown ref {ref}"
            tag_ref = f"refs/tags/{tag}"
            repo.git.update_ref(tag_ref, sha)
            actions_git.apply_ref_updates(self._backend, repo, [(tag_ref, ZERO_SHA, sha)], self._user(author, repo))
            return sha

    def delete_branch(self, full_name: str, branch: str, *, author: str | None = None) -> None:
        with self.state.lock:
            repo = self._repo(full_name)
            ref = f"refs/heads/{branch}"
            sha = repo.git.rev(ref)
            assert sha is not None, f"no branch {branch}"
            repo.git.delete_ref(ref)
            actions_git.apply_ref_updates(self._backend, repo, [(ref, sha, ZERO_SHA)], self._user(author, repo))
