"""GitHub's REST protocol pieces: errors, replies, route tables, request context and pagination."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from webhook_server.tests.fake_github.state import PERMISSION_LEVELS, Issue, Repo, State, User

if TYPE_CHECKING:
    from webhook_server.tests.fake_github.backend import Backend

DOCS_URL = "https://docs.github.com/rest"
SEGMENT_PATTERNS = {None: "[^/]+", "path": ".+", "int": "[0-9]+"}
JSON = dict[str, Any]


class ApiError(Exception):
    """An error answer in GitHub's shape: `{"message", "documentation_url", "status"[, "errors"]}`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> JSON:
        data: JSON = {"message": self.message, "documentation_url": DOCS_URL, "status": str(self.status)}
        if self.errors is not None:
            data["errors"] = self.errors
        return data


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def validation_failed(resource: str, field_name: str, code: str = "invalid", message: str | None = None) -> ApiError:
    error: JSON = {"resource": resource, "field": field_name, "code": code}
    if message:
        error["message"] = message
    return ApiError(422, "Validation Failed", errors=[error])


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Identity:
    """Who a request authenticates as."""

    kind: str  # user | installation | app | anonymous
    user: User | None = None
    token: str | None = None
    installation_id: int | None = None
    client: str = ""

    @property
    def label(self) -> str:
        if self.kind == "installation":
            return f"installation:{self.installation_id}"
        if self.kind == "user" and self.user is not None:
            return self.user.login
        return self.kind

    @property
    def bucket_key(self) -> str:
        if self.kind == "anonymous":
            return f"anonymous:{self.client}"
        return f"{self.kind}:{self.label}"


@dataclass
class Ctx:
    """One API request as handlers see it."""

    backend: Backend
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    identity: Identity

    @property
    def st(self) -> State:
        return self.backend.state

    @property
    def actor(self) -> User:
        """The account that performs a write: the user, or the App's bot for installation tokens."""
        if self.identity.kind == "installation":
            return self.st.app.bot
        if self.identity.user is None:
            raise ApiError(401, "Requires authentication")
        return self.identity.user

    def json_body(self) -> JSON:
        if not isinstance(self.body, dict):
            raise ApiError(400, "Problems parsing JSON")
        return self.body

    def int_param(self, name: str) -> int:
        return int(self.params[name])

    def repo(self, level: str = "read") -> Repo:
        """The repository named in the path, if this identity may act on it at `level`."""
        repo = self.st.repo(f"{self.params['owner']}/{self.params['repo']}")
        if repo is None or not self._can_see(repo):
            raise not_found()
        if level != "read" and not self._has_level(repo, level):
            if self.identity.kind == "anonymous":
                raise ApiError(401, "Requires authentication")
            raise ApiError(
                403,
                "Must have admin rights to Repository."
                if level == "admin"
                else "Resource not accessible by personal access token",
            )
        if level != "read" and repo.archived:
            raise ApiError(403, "Repository was archived so is read-only.")
        return repo

    def issue(self, repo: Repo, *, pull: bool = False) -> Issue:
        issue = repo.issues.get(self.int_param("number"))
        if issue is None or (pull and issue.pull is None):
            raise not_found()
        return issue

    def _can_see(self, repo: Repo) -> bool:
        if not repo.private:
            return True
        if self.identity.kind == "installation":
            return repo.installation_id == self.identity.installation_id
        return self.identity.user is not None and self._user_level(repo, self.identity.user) > 0

    def may(self, repo: Repo, level: str) -> bool:
        """Whether this identity may act on `repo` at `level`."""
        return self._has_level(repo, level)

    def _has_level(self, repo: Repo, level: str) -> bool:
        if self.identity.kind == "installation":
            return repo.installation_id == self.identity.installation_id
        if self.identity.user is None:
            return False
        return self._user_level(repo, self.identity.user) >= PERMISSION_LEVELS[level]

    @staticmethod
    def _user_level(repo: Repo, user: User) -> int:
        if user.id == repo.owner.id:
            return PERMISSION_LEVELS["admin"]
        entry = repo.collaborators.get(user.login.casefold())
        return PERMISSION_LEVELS[entry[1]] if entry else 0

    def paginate(self, items: Sequence[Any]) -> Reply:
        """One page of `items` with GitHub's `Link` header (`per_page` ≤ 100, default 30)."""
        per_page = max(1, min(100, int(self.query.get("per_page", "30"))))
        page = max(1, int(self.query.get("page", "1")))
        last = max(1, -(-len(items) // per_page))
        start = (page - 1) * per_page
        reply = Reply(body=list(items[start : start + per_page]))
        links = []
        if page < last:
            links += [(page + 1, "next"), (last, "last")]
        if page > 1:
            links += [(1, "first"), (page - 1, "prev")]
        if links:
            reply.headers["Link"] = ", ".join(f'<{self._page_url(number)}>; rel="{rel}"' for number, rel in links)
        return reply

    def _page_url(self, page: int) -> str:
        query = {**self.query, "page": str(page)}
        return f"{self.st.base_url}{self.path}?{urlencode(query)}"


Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True)
class ApiRoute:
    method: str
    pattern: str
    regex: re.Pattern[str]
    handler: Handler
    auth: str  # token | app


class RouteTable:
    """Routes of one endpoint family: `{name}` is one path segment, `{name:int}` digits, `{name:path}` the rest."""

    def __init__(self) -> None:
        self.routes: list[ApiRoute] = []

    def add(self, method: str, pattern: str, *, auth: str = "token") -> Callable[[Handler], Handler]:
        regex = re.compile(
            "^"
            + re.sub(
                r"\{(\w+)(?::(path|int))?\}", lambda m: f"(?P<{m.group(1)}>{SEGMENT_PATTERNS[m.group(2)]})", pattern
            )
            + "$"
        )

        def register(handler: Handler) -> Handler:
            self.routes.append(ApiRoute(method, pattern, regex, handler, auth))
            return handler

        return register
