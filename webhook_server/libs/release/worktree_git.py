"""`WorktreeGit`: git commands in one release worktree, with the server's commit identity and, for pushes,
the token in git's environment only (`intake.md` §6.7)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from webhook_server.libs.git.credentials import CommitIdentity, git_auth_environment
from webhook_server.libs.git.mirror import GitMirror
from webhook_server.libs.git.process import GitRunner
from webhook_server.libs.github.auth import choose_token
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.process.runner import CommandResult


@dataclass(frozen=True)
class GitAccess:
    """The token git uses and the identity of the commits the server makes (the chosen API user)."""

    token: str
    identity: CommitIdentity

    @classmethod
    def of(cls, repo: RepositoryContext) -> GitAccess:
        """From the token the current delivery or job chose for the repository's pool."""
        state = choose_token(repo.pooled.pool)
        assert state.login is not None  # a probed, usable token
        assert state.user_id is not None
        return cls(state.token, CommitIdentity.for_api_user(state.login, state.user_id))


@dataclass(frozen=True)
class WorktreeGit:
    """Git in `path`: commits as `identity`; `push_url` with `token` for pushes."""

    runner: GitRunner
    path: Path
    identity: CommitIdentity
    git_base_url: str
    push_url: str
    token: str

    @classmethod
    def in_mirror(cls, mirror: GitMirror, path: Path, access: GitAccess, git_base_url: str) -> WorktreeGit:
        """Git in a worktree of `mirror`, pushing to the mirror's repository URL."""
        return cls(mirror.git, path, access.identity, git_base_url, mirror.url, access.token)

    def committer_environment(self) -> dict[str, str]:
        """Only the committer: commits that keep their original author (cherry-picks, rebases, amends)."""
        return {"GIT_COMMITTER_NAME": self.identity.name, "GIT_COMMITTER_EMAIL": self.identity.email}

    async def run(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        stdin: bytes | None = None,
    ) -> CommandResult:
        """`git <args>` in the worktree, committing as the server (committer only, unless `env` says more)."""
        environment = {**self.committer_environment(), **(env or {})}
        return await self.runner.run(args, cwd=self.path, env=environment, check=check, stdin=stdin)

    async def output(self, args: Sequence[str]) -> str:
        """The stdout of a successful `git <args>`."""
        return (await self.run(args)).stdout

    async def push(self, refspec: str, *extra: str) -> CommandResult:
        """`git push [extra...] <url> <refspec>` with the token in the environment (never raises)."""
        auth = git_auth_environment(self.git_base_url, self.token)
        return await self.run(["push", *extra, self.push_url, refspec], env=auth, check=False)

    async def is_clean(self) -> bool:
        """Whether the worktree has no uncommitted changes (untracked files count)."""
        return not (await self.output(["status", "--porcelain"])).strip()
