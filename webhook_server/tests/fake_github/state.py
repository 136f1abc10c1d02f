"""In-memory data model of the fake GitHub: plain dataclasses, no behaviour beyond small helpers."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from webhook_server.tests.fake_github.gitrepo import GitRepo

PERMISSION_LEVELS = {"read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}
WEB_FLOW_ID = 19864447


def now_iso() -> str:
    """The current UTC time in GitHub's timestamp format."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class User:
    """A GitHub account: a user, an organisation or an App bot."""

    id: int
    login: str
    type: str = "User"
    name: str | None = None
    email: str | None = None
    created_at: str = field(default_factory=now_iso)

    @property
    def noreply_email(self) -> str:
        return f"{self.id}+{self.login}@users.noreply.github.com"


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None = None
    default: bool = False


@dataclass
class Reaction:
    id: int
    content: str
    user: User
    created_at: str = field(default_factory=now_iso)


@dataclass
class Comment:
    id: int
    body: str
    user: User
    via_app: bool = False
    reactions: list[Reaction] = field(default_factory=list)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)


@dataclass
class Review:
    id: int
    user: User
    body: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED
    commit_id: str
    submitted_at: str = field(default_factory=now_iso)


@dataclass
class ReviewComment:
    id: int
    user: User
    body: str
    path: str
    line: int | None
    commit_id: str
    created_at: str = field(default_factory=now_iso)


@dataclass
class ReviewThread:
    id: int
    path: str
    line: int | None
    is_resolved: bool = False
    is_outdated: bool = False
    comments: list[ReviewComment] = field(default_factory=list)


@dataclass
class AutoMerge:
    enabled_by: User
    merge_method: str  # merge | squash | rebase
    commit_title: str | None = None
    commit_message: str | None = None
    enabled_at: str = field(default_factory=now_iso)


@dataclass
class Mergeability:
    """A test-set mergeability: `value` after `unknown_reads` reads that answer null, and not before the
    monotonic time `unknown_until` (GitHub computing it for a while after a push)."""

    value: bool | None
    state: str
    unknown_reads: int = 0
    unknown_until: float = 0.0

    def unknown(self) -> bool:
        """Whether GitHub is still computing it (reads answer null)."""
        return self.unknown_reads > 0 or time.monotonic() < self.unknown_until


@dataclass
class PullRequest:
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    draft: bool = False
    merged: bool = False
    merged_at: str | None = None
    merged_by: User | None = None
    merge_commit_sha: str | None = None
    mergeable_override: Mergeability | None = None
    requested_reviewers: list[User] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    threads: list[ReviewThread] = field(default_factory=list)
    auto_merge: AutoMerge | None = None


@dataclass
class Issue:
    """An issue or, when `pull` is set, the issue side of a pull request."""

    id: int
    number: int
    title: str
    body: str | None
    user: User
    state: str = "open"
    state_reason: str | None = None
    labels: list[Label] = field(default_factory=list)
    assignees: list[User] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    closed_at: str | None = None
    closed_by: User | None = None
    pull: PullRequest | None = None
    pull_id: int = 0


@dataclass
class CheckRun:
    id: int
    head_sha: str
    name: str
    app_id: int
    suite_id: int
    status: str = "queued"
    conclusion: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    output: dict[str, Any] = field(default_factory=dict)
    details_url: str | None = None
    external_id: str = ""
    created_at: str = field(default_factory=now_iso)


@dataclass
class CommitStatus:
    id: int
    sha: str
    state: str
    context: str
    creator: User
    description: str | None = None
    target_url: str | None = None
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)


@dataclass
class Hook:
    id: int
    url: str
    secret: str | None
    events: list[str]
    active: bool = True
    content_type: str = "json"
    insecure_ssl: str = "0"
    name: str = "web"
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)

    def wants(self, event: str) -> bool:
        return self.active and ("*" in self.events or event in self.events)


@dataclass
class Repo:
    id: int
    owner: User
    name: str
    git: GitRepo
    private: bool = False
    archived: bool = False
    default_branch: str = "main"
    description: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    security_and_analysis: dict[str, Any] = field(default_factory=dict)
    collaborators: dict[str, tuple[User, str]] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    hooks: dict[int, Hook] = field(default_factory=dict)
    check_runs: list[CheckRun] = field(default_factory=list)
    statuses: list[CommitStatus] = field(default_factory=list)
    protections: dict[str, dict[str, Any]] = field(default_factory=dict)
    installation_id: int | None = None
    created_at: str = field(default_factory=now_iso)
    pushed_at: str = field(default_factory=now_iso)

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    def pulls(self) -> list[Issue]:
        return [issue for issue in self.issues.values() if issue.pull is not None]


@dataclass
class Installation:
    id: int
    account: User
    repo_ids: set[int] = field(default_factory=set)
    created_at: str = field(default_factory=now_iso)


@dataclass
class Token:
    """A credential: a personal access token of a user, or an installation access token."""

    value: str
    kind: str  # "pat" | "installation"
    user: User
    installation_id: int | None = None
    expires_at: float | None = None


@dataclass
class RateBucket:
    limit: int
    remaining: int
    reset_at: int

    @property
    def used(self) -> int:
        return self.limit - self.remaining


@dataclass
class PackageVersion:
    id: int
    name: str
    tags: list[str]
    created_at: str = field(default_factory=now_iso)


@dataclass
class App:
    id: int
    slug: str
    name: str
    owner: User
    bot: User
    created_at: str = field(default_factory=now_iso)


@dataclass
class State:
    """Everything the fake knows. Guarded by `lock`; replaced wholesale on reset."""

    base_url: str
    app: App
    ids: itertools.count[int]
    lock: threading.RLock = field(default_factory=threading.RLock)
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    repos: dict[str, Repo] = field(default_factory=dict)
    installations: dict[int, Installation] = field(default_factory=dict)
    buckets: dict[tuple[str, str], RateBucket] = field(default_factory=dict)
    token_limits: dict[str, int] = field(default_factory=dict)
    packages: dict[tuple[str, str], list[PackageVersion]] = field(default_factory=dict)
    suites: dict[tuple[int, str], int] = field(default_factory=dict)
    app_hook: Hook | None = None  # the GitHub App's webhook (receives events of installed repositories)
    hook_deliveries_refused: bool = False  # the deliveries API answers 403 (a PAT without the hook scope)
    web_url: str = ""  # web and git base when it differs from the API base (GitHub Enterprise: no /api/v3)

    @property
    def web_base(self) -> str:
        return self.web_url or self.base_url

    def next_id(self) -> int:
        return next(self.ids)

    def user(self, login: str) -> User | None:
        return self.users.get(login.casefold())

    def repo(self, full_name: str) -> Repo | None:
        return self.repos.get(full_name.casefold())
