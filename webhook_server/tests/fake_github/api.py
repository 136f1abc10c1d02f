"""The plain-Python test API of the fake GitHub (`FakeGitHub`): set up accounts, repositories and pull
requests, act as users, and read back what the server under test did. See README.md beside this file.

Changes made here emit the same webhooks as the same change made through the HTTP API.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from webhook_server.tests.fake_github import actions, actions_git, events
from webhook_server.tests.fake_github.actions import ensure_label, ensure_user
from webhook_server.tests.fake_github.api_control import ControlMixin
from webhook_server.tests.fake_github.api_reads import ReadMixin
from webhook_server.tests.fake_github.gitrepo import ZERO_SHA, GitRepo, Identity
from webhook_server.tests.fake_github.serializers import node_id, repo_json, user_json
from webhook_server.tests.fake_github.state import (
    PERMISSION_LEVELS,
    Installation,
    Mergeability,
    PackageVersion,
    Repo,
    ReviewComment,
    ReviewThread,
    Token,
)

JSON = dict[str, Any]
REVIEW_EVENT_ALIASES = {
    "approve": "APPROVE",
    "approved": "APPROVE",
    "request_changes": "REQUEST_CHANGES",
    "changes_requested": "REQUEST_CHANGES",
    "comment": "COMMENT",
    "commented": "COMMENT",
}
DEFAULT_REVIEW_BODIES = {"APPROVE": "", "REQUEST_CHANGES": "Please change this.", "COMMENT": "A comment."}


class FakeGitHub(ReadMixin, ControlMixin):
    """One test's view of the fake GitHub. Logins default to the repository owner where optional."""

    # ---- identity of the fake -------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """What the server's `github-api-url` is set to (REST base; web and git base too)."""
        return self._backend.base_url

    @property
    def graphql_url(self) -> str:
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
        return f"{self.base_url}/{full_name}.git"

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

    # ---- issues and pull requests -------------------------------------------------------------
    def open_pr(
        self,
        full_name: str,
        *,
        head: str,
        base: str | None = None,
        title: str = "Test pull request",
        body: str = "",
        author: str | None = None,
        draft: bool = False,
        files: Mapping[str, str | bytes | None] | None = None,
        message: str | None = None,
    ) -> int:
        """Open a PR from `head`; with `files`, first commit them on `head` (created from `base`)."""
        with self.state.lock:
            repo = self._repo(full_name)
            user = self._user(author, repo)
            base = base or repo.default_branch
            if files:
                parent = repo.git.rev(f"refs/heads/{head}") or repo.git.rev(f"refs/heads/{base}")
                actions_git.commit_and_push(
                    self._backend, repo, head, dict(files), message=message or title, author=user, parent=parent
                )
            issue = actions_git.open_pull(
                self._backend, repo, head, base, title=title, body=body, actor=user, draft=draft
            )
            return issue.number

    def create_issue(
        self,
        full_name: str,
        title: str,
        body: str = "",
        *,
        author: str | None = None,
        labels: Iterable[str] = (),
        assignees: Iterable[str] = (),
    ) -> int:
        with self.state.lock:
            repo = self._repo(full_name)
            user = self._user(author, repo)
            issue = actions.create_issue(
                self._backend, repo, title, body, user, labels=list(labels), assignees=list(assignees)
            )
            return issue.number

    def comment(self, full_name: str, number: int, body: str, *, author: str) -> int:
        """Post an issue/PR comment as `author`; returns the comment id."""
        with self.state.lock:
            repo, issue = self._issue(full_name, number)
            return actions.add_comment(self._backend, repo, issue, body, self._user(author)).id

    def edit_comment(self, full_name: str, comment_id: int, body: str, *, author: str | None = None) -> None:
        with self.state.lock:
            repo = self._repo(full_name)
            actions.edit_comment(self._backend, repo, comment_id, body, self._user(author, repo))

    def react(self, full_name: str, comment_id: int, content: str = "+1", *, author: str) -> int:
        with self.state.lock:
            comment = actions.find_comment(self._repo(full_name), comment_id)[1]
            return actions.add_reaction(self.state, comment.reactions, content, self._user(author))[0].id

    def review(self, full_name: str, number: int, *, author: str, state: str = "APPROVE", body: str = "") -> int:
        """Submit a review: state APPROVE/approved, REQUEST_CHANGES/changes_requested, COMMENT/commented."""
        event = REVIEW_EVENT_ALIASES.get(state.lower(), state)
        with self.state.lock:
            repo, issue = self._pull(full_name, number)
            review = actions.submit_review(
                self._backend,
                repo,
                issue,
                self._user(author),
                event=event,
                body=body or DEFAULT_REVIEW_BODIES.get(event, ""),
            )
            actions_git.auto_merge_candidates(self._backend, repo)
            return review.id

    def add_label(self, full_name: str, number: int, label: str, *, author: str | None = None) -> None:
        with self.state.lock:
            repo, issue = self._issue(full_name, number)
            actions.add_labels(self._backend, repo, issue, [label], self._user(author, repo))

    def remove_label(self, full_name: str, number: int, label: str, *, author: str | None = None) -> None:
        with self.state.lock:
            repo, issue = self._issue(full_name, number)
            actions.remove_label(self._backend, repo, issue, label, self._user(author, repo))

    def create_label(self, full_name: str, name: str, color: str = "ededed", description: str | None = None) -> None:
        with self.state.lock:
            ensure_label(self.state, self._repo(full_name), name, color, description)

    def request_reviewers(
        self, full_name: str, number: int, logins: Iterable[str], *, author: str | None = None
    ) -> None:
        with self.state.lock:
            repo, issue = self._pull(full_name, number)
            actions.request_reviewers(self._backend, repo, issue, list(logins), self._user(author, repo))

    def assign(self, full_name: str, number: int, logins: Iterable[str], *, author: str | None = None) -> None:
        with self.state.lock:
            repo, issue = self._issue(full_name, number)
            actions.change_assignees(self._backend, repo, issue, list(logins), self._user(author, repo), add=True)

    def edit_pr(
        self,
        full_name: str,
        number: int,
        *,
        author: str | None = None,
        title: str | None = None,
        body: str | None = None,
        base: str | None = None,
    ) -> None:
        """Edit title/body/base as `author` (emits `pull_request.edited` with `changes`)."""
        with self.state.lock:
            repo, issue = self._pull(full_name, number)
            user = self._user(author, repo)
            changes = {key: value for key, value in (("title", title), ("body", body)) if value is not None}
            actions.edit_text(self._backend, repo, issue, changes, user)
            if base is not None:
                actions_git.change_base(self._backend, repo, issue, base, user)

    def set_draft(self, full_name: str, number: int, draft: bool, *, author: str | None = None) -> None:
        with self.state.lock:
            repo, issue = self._pull(full_name, number)
            actions_git.set_draft(self._backend, repo, issue, draft, self._user(author, repo))

    def close(self, full_name: str, number: int, *, author: str | None = None) -> None:
        """Close an issue or a pull request without merging."""
        with self.state.lock:
            repo, issue = self._issue(full_name, number)
            actions.set_state(self._backend, repo, issue, "closed", self._user(author, repo))

    def reopen(self, full_name: str, number: int, *, author: str | None = None) -> None:
        with self.state.lock:
            repo, issue = self._issue(full_name, number)
            actions.set_state(self._backend, repo, issue, "open", self._user(author, repo))

    def merge(self, full_name: str, number: int, *, author: str | None = None, method: str = "merge") -> str:
        """Merge as `author` (like the merge button); returns the merge commit SHA."""
        with self.state.lock:
            repo, issue = self._pull(full_name, number)
            return actions_git.merge_pull(self._backend, repo, issue, self._user(author, repo), method)

    def set_mergeable(
        self, full_name: str, number: int, value: bool | None, state: str | None = None, *, unknown_reads: int = 0
    ) -> None:
        """Pin what GitHub reports as `mergeable`/`mergeable_state` (default: computed with git).

        With `unknown_reads=N`, the next N `GET /pulls/{n}` answer `mergeable: null` ("unknown")
        before `value` settles. `value=None` keeps it unknown. `clear_mergeable` restores git's answer.
        """
        default_state = "unknown" if value is None else "clean" if value else "dirty"
        with self.state.lock:
            _, issue = self._pull(full_name, number)
            assert issue.pull is not None
            issue.pull.mergeable_override = Mergeability(value, state or default_state, unknown_reads)

    def clear_mergeable(self, full_name: str, number: int) -> None:
        with self.state.lock:
            _, issue = self._pull(full_name, number)
            assert issue.pull is not None
            issue.pull.mergeable_override = None

    def add_review_thread(
        self,
        full_name: str,
        number: int,
        *,
        path: str,
        line: int,
        body: str,
        author: str,
        resolved: bool = False,
        outdated: bool = False,
    ) -> str:
        """A review conversation on the PR's head; returns the thread's GraphQL node id."""
        with self.state.lock:
            _, issue = self._pull(full_name, number)
            assert issue.pull is not None
            user = self._user(author)
            thread = ReviewThread(
                id=self.state.next_id(), path=path, line=line, is_resolved=resolved, is_outdated=outdated
            )
            thread.comments.append(ReviewComment(self.state.next_id(), user, body, path, line, issue.pull.head_sha))
            issue.pull.threads.append(thread)
            return node_id("PullRequestReviewThread", thread.id)

    def resolve_thread(
        self, full_name: str, thread_node_id: str, resolved: bool = True, *, author: str | None = None
    ) -> None:
        """Resolve or unresolve a thread (emits `pull_request_review_thread`)."""
        with self.state.lock:
            repo = self._repo(full_name)
            for issue in repo.pulls():
                assert issue.pull is not None
                for thread in issue.pull.threads:
                    if (
                        node_id("PullRequestReviewThread", thread.id) == thread_node_id
                        and thread.is_resolved != resolved
                    ):
                        thread.is_resolved = resolved
                        action = "resolved" if resolved else "unresolved"
                        events.review_thread_event(
                            self._backend, repo, issue, thread, action, sender=self._user(author, repo)
                        )

    def check_run(
        self,
        full_name: str,
        sha: str,
        name: str,
        *,
        status: str = "completed",
        conclusion: str | None = "success",
        output: Mapping[str, str] | None = None,
        app_id: int | None = None,
    ) -> int:
        """Create a check run on `sha` as the fake's App, or as another App with `app_id`; returns its id."""
        fields: JSON = {"name": name, "head_sha": sha, "status": status}
        if status == "completed":
            fields["conclusion"] = conclusion
        if output is not None:
            fields["output"] = dict(output)
        with self.state.lock:
            repo = self._repo(full_name)
            run = actions.write_check_run(self._backend, repo, None, fields, app_id=app_id)
            actions_git.auto_merge_candidates(self._backend, repo, run.head_sha)
            return run.id

    def set_status(
        self,
        full_name: str,
        sha: str,
        context: str,
        state: str,
        *,
        author: str | None = None,
        description: str | None = None,
        target_url: str | None = None,
    ) -> int:
        with self.state.lock:
            repo = self._repo(full_name)
            status = actions.create_status(
                self._backend,
                repo,
                sha,
                state,
                context,
                actor=self._user(author, repo),
                description=description,
                target_url=target_url,
            )
            actions_git.auto_merge_candidates(self._backend, repo, status.sha)
            return status.id

    def set_branch_protection(self, full_name: str, branch: str, protection: Mapping[str, Any]) -> None:
        """Store protection as GitHub's `PUT .../protection` body (e.g. required_status_checks.contexts)."""
        with self.state.lock:
            repo = self._repo(full_name)
            stored = dict(protection)
            checks = stored.get("required_status_checks")
            if checks is not None:
                stored["required_status_checks"] = {
                    "strict": bool(checks.get("strict")),
                    "contexts": list(checks.get("contexts", [])),
                }
            repo.protections[branch] = stored

    def add_package_version(self, owner: str, package: str, tags: Iterable[str], *, name: str | None = None) -> int:
        """A container package version (ghcr) with `tags`, listed by the packages API; returns its id."""
        with self.state.lock:
            version = PackageVersion(
                id=self.state.next_id(), name=name or f"sha256:{secrets.token_hex(32)}", tags=list(tags)
            )
            self.state.packages.setdefault((owner.casefold(), package), []).append(version)
            return version.id
