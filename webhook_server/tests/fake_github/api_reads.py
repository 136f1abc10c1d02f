"""Read-back helpers of the test API: what the server under test did, in GitHub's REST shapes."""

from __future__ import annotations

from typing import Any

from webhook_server.tests.fake_github.actions import check_run_pulls, find_comment
from webhook_server.tests.fake_github.api_base import ApiBase
from webhook_server.tests.fake_github.serializers import (
    comment_json,
    issue_json,
    node_id,
    reaction_json,
    repo_json,
    review_json,
    user_json,
)
from webhook_server.tests.fake_github.serializers_misc import (
    check_run_json,
    hook_json,
    package_version_json,
    protection_json,
    status_json,
)
from webhook_server.tests.fake_github.serializers_pulls import pull_json, simple_pull_json
from webhook_server.tests.fake_github.serializers_threads import review_comment_url

JSON = dict[str, Any]


class ReadMixin(ApiBase):
    def repo(self, full_name: str) -> JSON:
        """The repository as `GET /repos/{o}/{r}` shows it (settings, archived, default branch...)."""
        with self.state.lock:
            repo = self._repo(full_name)
            data = repo_json(self.state, repo, rest=True)
            data["security_and_analysis"] = dict(repo.security_and_analysis)
            return data

    def labels(self, full_name: str, number: int) -> list[str]:
        """Label names on an issue or PR, in the order they were added."""
        with self.state.lock:
            return [label.name for label in self._issue(full_name, number)[1].labels]

    def repo_labels(self, full_name: str) -> dict[str, str]:
        """Repository labels: name → colour (lowercase hex as stored)."""
        with self.state.lock:
            return {label.name: label.color for label in self._repo(full_name).labels.values()}

    def comments(self, full_name: str, number: int) -> list[JSON]:
        """Issue/PR comments (REST shape: `body`, `user.login`, `id`...), oldest first."""
        with self.state.lock:
            repo, issue = self._issue(full_name, number)
            return [comment_json(self.state, repo, issue, comment) for comment in issue.comments]

    def reactions(self, full_name: str, comment_id: int) -> list[JSON]:
        """Reactions on an issue comment (REST shape: `content`, `user.login`)."""
        with self.state.lock:
            comment = find_comment(self._repo(full_name), comment_id)[1]
            return [reaction_json(self.state, reaction) for reaction in comment.reactions]

    def check_runs(self, full_name: str, sha: str, name: str | None = None) -> list[JSON]:
        """Every check run on `sha` (optionally one name), oldest first, in REST shape."""
        with self.state.lock:
            repo = self._repo(full_name)
            runs = [run for run in repo.check_runs if run.head_sha == sha and (name is None or run.name == name)]
            pulls = check_run_pulls(self._backend, repo, sha)
            return [check_run_json(self.state, repo, run, pulls) for run in runs]

    def check_run_conclusions(self, full_name: str, sha: str) -> dict[str, str | None]:
        """Latest check run per name on `sha`: name → conclusion (None while not completed)."""
        return {run["name"]: run["conclusion"] for run in self.check_runs(full_name, sha)}

    def statuses(self, full_name: str, sha: str) -> list[JSON]:
        with self.state.lock:
            repo = self._repo(full_name)
            return [status_json(self.state, repo, status) for status in repo.statuses if status.sha == sha]

    def requested_reviewers(self, full_name: str, number: int) -> list[str]:
        with self.state.lock:
            pull = self._pull(full_name, number)[1].pull
            assert pull is not None
            return [user.login for user in pull.requested_reviewers]

    def assignees(self, full_name: str, number: int) -> list[str]:
        with self.state.lock:
            return [user.login for user in self._issue(full_name, number)[1].assignees]

    def issues(self, full_name: str, *, state: str = "all") -> list[JSON]:
        """Plain issues (not PRs), oldest first, in REST shape."""
        with self.state.lock:
            repo = self._repo(full_name)
            found = [i for i in repo.issues.values() if i.pull is None and state in ("all", i.state)]
            return [issue_json(self.state, repo, issue) for issue in found]

    def pulls(self, full_name: str, *, state: str = "all") -> list[JSON]:
        """Pull requests (list shape), oldest first."""
        with self.state.lock:
            repo = self._repo(full_name)
            found = [i for i in repo.pulls() if state in ("all", i.state)]
            return [simple_pull_json(self.state, repo, issue) for issue in found]

    def pull(self, full_name: str, number: int) -> JSON:
        """The PR as `GET /pulls/{n}` shows it (`merged`, `draft`, `title`, `auto_merge`, `head.sha`...).

        Reading it here does not consume `set_mergeable(..., unknown_reads=N)`.
        """
        with self.state.lock:
            repo, issue = self._pull(full_name, number)
            return pull_json(self.state, repo, issue)

    def reviews(self, full_name: str, number: int) -> list[JSON]:
        with self.state.lock:
            repo, issue = self._pull(full_name, number)
            assert issue.pull is not None
            return [review_json(self.state, repo, issue, review) for review in issue.pull.reviews]

    def review_threads(self, full_name: str, number: int) -> list[JSON]:
        """Threads as `{id, path, line, is_resolved, is_outdated, url}` (id = GraphQL node id)."""
        with self.state.lock:
            repo, issue = self._pull(full_name, number)
            assert issue.pull is not None
            return [
                {
                    "id": node_id("PullRequestReviewThread", thread.id),
                    "path": thread.path,
                    "line": thread.line,
                    "is_resolved": thread.is_resolved,
                    "is_outdated": thread.is_outdated,
                    "url": review_comment_url(self.state, repo, thread.comments[0]),
                }
                for thread in issue.pull.threads
            ]

    def hooks(self, full_name: str) -> list[JSON]:
        """Repository hooks in REST shape, except `config.secret` holds the real secret (GitHub masks it)."""
        with self.state.lock:
            repo = self._repo(full_name)
            found = []
            for hook in repo.hooks.values():
                data = hook_json(self.state, repo, hook)
                if hook.secret:
                    data["config"]["secret"] = hook.secret
                found.append(data)
            return found

    def branch_protection(self, full_name: str, branch: str) -> JSON | None:
        """`GET .../branches/{b}/protection` shape, or None when the branch is not protected."""
        with self.state.lock:
            repo = self._repo(full_name)
            return protection_json(self.state, repo, branch) if branch in repo.protections else None

    def branch_sha(self, full_name: str, branch: str) -> str | None:
        with self.state.lock:
            return self._repo(full_name).git.rev(f"refs/heads/{branch}")

    def branches(self, full_name: str) -> dict[str, str]:
        with self.state.lock:
            return self._repo(full_name).git.branches()

    def file(self, full_name: str, path: str, ref: str | None = None) -> str | None:
        """A file's text at `ref` (default branch by default), or None."""
        with self.state.lock:
            repo = self._repo(full_name)
            content = repo.git.read_file(ref or f"refs/heads/{repo.default_branch}", path)
            return content.decode() if content is not None else None

    def package_versions(self, owner: str, package: str) -> list[JSON]:
        with self.state.lock:
            org = (self.state.user(owner) or self._user(owner)).type == "Organization"
            versions = self.state.packages.get((owner.casefold(), package), [])
            return [package_version_json(self.state, owner, package, version, org=org) for version in versions]

    def user(self, login: str) -> JSON:
        with self.state.lock:
            return user_json(self.state, self._user(login))
