"""Test API actions on issues and pull requests: open, comment, react, review, label, assign, edit,
merge, mergeability, review threads, check runs, statuses, protection and packages.

Each change emits the webhooks GitHub would send for it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any

from webhook_server.tests.fake_github import actions, actions_git, events
from webhook_server.tests.fake_github.actions import ensure_label
from webhook_server.tests.fake_github.api_base import ApiBase
from webhook_server.tests.fake_github.serializers import node_id
from webhook_server.tests.fake_github.state import Mergeability, PackageVersion, ReviewComment, ReviewThread

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


class ActMixin(ApiBase):
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
        self,
        full_name: str,
        number: int,
        value: bool | None,
        state: str | None = None,
        *,
        unknown_reads: int = 0,
        unknown_seconds: float = 0.0,
    ) -> None:
        """Pin what GitHub reports as `mergeable`/`mergeable_state` of an open PR (default: computed with git).

        With `unknown_reads=N`, the next N `GET /pulls/{n}` answer `mergeable: null` ("unknown")
        before `value` settles; with `unknown_seconds=S`, every read of the next S seconds does.
        `value=None` keeps it unknown. `clear_mergeable` restores git's answer. Closed PRs answer null.
        """
        default_state = "unknown" if value is None else "clean" if value else "dirty"
        until = time.monotonic() + unknown_seconds if unknown_seconds else 0.0
        with self.state.lock:
            _, issue = self._pull(full_name, number)
            assert issue.pull is not None
            issue.pull.mergeable_override = Mergeability(value, state or default_state, unknown_reads, until)

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
