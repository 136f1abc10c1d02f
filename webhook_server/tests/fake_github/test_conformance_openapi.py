"""Every REST operation the fake serves answers in the shape GitHub's OpenAPI description promises.

Responses are validated with openapi-core against the trimmed description vendored in
`fixtures/github/` (regenerate with `trim_openapi`). Each served operation must have a case here.
"""

from __future__ import annotations

import collections
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from openapi_core import OpenAPI
from openapi_core.configurations import Config
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse

from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.trim_openapi import TRIMMED_PATH, load, served_operations

REPO = "octo-org/hello"
# Routes the fake serves that GitHub's description does not list as such.
NOT_IN_DESCRIPTION = {
    # GitHub also answers the contents root without a trailing path; the description only has {path}.
    ("GET", "/repos/{owner}/{repo}/contents"),
    ("GET", "/repos/{owner}/{repo}/contents/"),
    # The legacy listing alias PyGithub's Commit.get_statuses() uses; the description has only POST there.
    ("GET", "/repos/{owner}/{repo}/statuses/{ref}"),
}
# Known leniency: where GitHub's real answers (which the fake copies) and its description, as
# openapi-core reads it, disagree. Each entry: (path template or None for any, error pattern).
ALLOWED_ERRORS = [
    # OAS 3.0 nullable enums: GitHub sends null (issue `state_reason`, check-run `conclusion` while
    # queued, review-comment `start_side`); openapi-core accepts null only when the enum lists it.
    (None, re.compile(r"^None is not one of \[")),
    # A directory listing is an array; the description's `type` discriminator cannot select it.
    ("/repos/{owner}/{repo}/contents/{path}", re.compile(r"is not of type 'object'$")),
    # `account` is anyOf(simple-user, enterprise); openapi-core also reports the enterprise branch.
    ("/app/installations", re.compile(r"^'(name|slug|created_at|updated_at)' is a required property$")),
]
# Statuses GitHub answers that the description does not list for the operation.
UNDOCUMENTED_STATUSES = {
    (
        "POST",
        "/repos/{owner}/{repo}/check-runs",
        403,
    ),  # a PAT writing check runs: "You must authenticate via a GitHub App."
}


@dataclass(frozen=True)
class Case:
    method: str
    template: str  # the OpenAPI path template
    path: str  # the concrete path, formatted with the world's ids
    status: int
    credential: str = "pat"  # pat | jwt | installation
    body: Any = None
    query: dict[str, str] | None = None


CASES = [
    Case("GET", "/", "/", 200),
    Case("GET", "/user", "/user", 200),
    Case("GET", "/users/{username}", "/users/bob", 200),
    Case("GET", "/users/{username}", "/users/nobody", 404),
    Case("GET", "/rate_limit", "/rate_limit", 200),
    Case("GET", "/meta", "/meta", 200),
    Case("GET", "/app", "/app", 200, "jwt"),
    Case("GET", "/app/installations", "/app/installations", 200, "jwt"),
    Case("GET", "/app/installations/{installation_id}", "/app/installations/{installation}", 200, "jwt"),
    Case(
        "POST",
        "/app/installations/{installation_id}/access_tokens",
        "/app/installations/{installation}/access_tokens",
        201,
        "jwt",
    ),
    Case("GET", "/repos/{owner}/{repo}/installation", "/repos/{repo}/installation", 200, "jwt"),
    Case("GET", "/orgs/{org}/installation", "/orgs/octo-org/installation", 200, "jwt"),
    Case("GET", "/users/{username}/installation", "/users/alice/installation", 200, "jwt"),
    Case("GET", "/installation/repositories", "/installation/repositories", 200, "installation"),
    Case("GET", "/repos/{owner}/{repo}", "/repos/{repo}", 200),
    Case("GET", "/repos/{owner}/{repo}", "/repos/octo-org/missing", 404),
    Case("PATCH", "/repos/{owner}/{repo}", "/repos/{repo}", 200, body={"delete_branch_on_merge": True}),
    Case("GET", "/repos/{owner}/{repo}/collaborators", "/repos/{repo}/collaborators", 200),
    Case("GET", "/repos/{owner}/{repo}/collaborators/{username}", "/repos/{repo}/collaborators/bob", 204),
    Case(
        "GET",
        "/repos/{owner}/{repo}/collaborators/{username}/permission",
        "/repos/{repo}/collaborators/bob/permission",
        200,
    ),
    Case("GET", "/repos/{owner}/{repo}/contributors", "/repos/{repo}/contributors", 200),
    Case("GET", "/repos/{owner}/{repo}/contents/{path}", "/repos/{repo}/contents/OWNERS", 200),
    Case("GET", "/repos/{owner}/{repo}/contents/{path}", "/repos/{repo}/contents/docs", 200),
    Case("GET", "/repos/{owner}/{repo}/contents/{path}", "/repos/{repo}/contents/nope", 404),
    Case("GET", "/repos/{owner}/{repo}/labels", "/repos/{repo}/labels", 200),
    Case("POST", "/repos/{owner}/{repo}/labels", "/repos/{repo}/labels", 201, body={"name": "new", "color": "aabbcc"}),
    Case("POST", "/repos/{owner}/{repo}/labels", "/repos/{repo}/labels", 422, body={"name": "new"}),
    Case("GET", "/repos/{owner}/{repo}/labels/{name}", "/repos/{repo}/labels/new", 200),
    Case("PATCH", "/repos/{owner}/{repo}/labels/{name}", "/repos/{repo}/labels/new", 200, body={"color": "000000"}),
    Case("DELETE", "/repos/{owner}/{repo}/labels/{name}", "/repos/{repo}/labels/new", 204),
    Case("GET", "/repos/{owner}/{repo}/hooks", "/repos/{repo}/hooks", 200),
    Case(
        "POST",
        "/repos/{owner}/{repo}/hooks",
        "/repos/{repo}/hooks",
        201,
        body={"name": "web", "config": {"url": "http://127.0.0.1:9/hook", "content_type": "json"}, "events": ["*"]},
    ),
    Case("GET", "/repos/{owner}/{repo}/hooks/{hook_id}", "/repos/{repo}/hooks/{hook}", 200),
    Case("PATCH", "/repos/{owner}/{repo}/hooks/{hook_id}", "/repos/{repo}/hooks/{hook}", 200, body={"active": True}),
    Case("DELETE", "/repos/{owner}/{repo}/hooks/{hook_id}", "/repos/{repo}/hooks/{hook}", 204),
    Case(
        "GET",
        "/orgs/{org}/packages/{package_type}/{package_name}/versions",
        "/orgs/octo-org/packages/container/hello/versions",
        200,
    ),
    Case(
        "GET",
        "/users/{username}/packages/{package_type}/{package_name}/versions",
        "/users/alice/packages/container/tool/versions",
        200,
    ),
    Case(
        "DELETE",
        "/orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}",
        "/orgs/octo-org/packages/container/hello/versions/{org_version}",
        204,
    ),
    Case(
        "DELETE",
        "/users/{username}/packages/{package_type}/{package_name}/versions/{package_version_id}",
        "/users/alice/packages/container/tool/versions/{user_version}",
        204,
    ),
    Case("GET", "/repos/{owner}/{repo}/branches", "/repos/{repo}/branches", 200),
    Case("GET", "/repos/{owner}/{repo}/branches/{branch}", "/repos/{repo}/branches/main", 200),
    Case("GET", "/repos/{owner}/{repo}/branches/{branch}", "/repos/{repo}/branches/nope", 404),
    Case(
        "PUT",
        "/repos/{owner}/{repo}/branches/{branch}/protection",
        "/repos/{repo}/branches/main/protection",
        200,
        body={
            "required_status_checks": {"strict": True, "contexts": ["tox", "can-be-merged"]},
            "enforce_admins": None,
            "required_pull_request_reviews": {
                "dismiss_stale_reviews": True,
                "required_approving_review_count": 0,
                "bypass_pull_request_allowances": {"users": ["alice"], "teams": [], "apps": []},
            },
            "restrictions": None,
            "required_linear_history": False,
            "required_conversation_resolution": True,
        },
    ),
    Case("GET", "/repos/{owner}/{repo}/branches/{branch}/protection", "/repos/{repo}/branches/main/protection", 200),
    Case(
        "GET",
        "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks",
        "/repos/{repo}/branches/main/protection/required_status_checks",
        200,
    ),
    Case(
        "PATCH",
        "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks",
        "/repos/{repo}/branches/main/protection/required_status_checks",
        200,
        body={"strict": False, "contexts": ["tox"]},
    ),
    Case("GET", "/repos/{owner}/{repo}/commits", "/repos/{repo}/commits", 200),
    Case("GET", "/repos/{owner}/{repo}/commits/{ref}", "/repos/{repo}/commits/{head}", 200),
    Case("GET", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls", "/repos/{repo}/commits/{head}/pulls", 200),
    Case("GET", "/repos/{owner}/{repo}/compare/{basehead}", "/repos/{repo}/compare/main...feature", 200),
    Case("GET", "/repos/{owner}/{repo}/git/ref/{ref}", "/repos/{repo}/git/ref/heads/main", 200),
    Case(
        "POST",
        "/repos/{owner}/{repo}/git/refs",
        "/repos/{repo}/git/refs",
        201,
        body={"ref": "refs/heads/tmp", "sha": "{head}"},
    ),
    Case("DELETE", "/repos/{owner}/{repo}/git/refs/{ref}", "/repos/{repo}/git/refs/heads/tmp", 204),
    Case("GET", "/repos/{owner}/{repo}/issues", "/repos/{repo}/issues", 200, query={"state": "all"}),
    Case(
        "POST", "/repos/{owner}/{repo}/issues", "/repos/{repo}/issues", 201, body={"title": "t", "assignees": ["bob"]}
    ),
    Case("GET", "/repos/{owner}/{repo}/issues/{issue_number}", "/repos/{repo}/issues/{pull}", 200),
    Case(
        "PATCH",
        "/repos/{owner}/{repo}/issues/{issue_number}",
        "/repos/{repo}/issues/{issue}",
        200,
        body={"state": "closed"},
    ),
    Case("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "/repos/{repo}/issues/{pull}/comments", 200),
    Case(
        "POST",
        "/repos/{owner}/{repo}/issues/{issue_number}/comments",
        "/repos/{repo}/issues/{pull}/comments",
        201,
        body={"body": "/lgtm"},
    ),
    Case("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "/repos/{repo}/issues/comments/{comment}", 200),
    Case(
        "PATCH",
        "/repos/{owner}/{repo}/issues/comments/{comment_id}",
        "/repos/{repo}/issues/comments/{comment}",
        200,
        body={"body": "edited"},
    ),
    Case(
        "POST",
        "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
        "/repos/{repo}/issues/comments/{comment}/reactions",
        201,
        body={"content": "+1"},
    ),
    Case(
        "GET",
        "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
        "/repos/{repo}/issues/comments/{comment}/reactions",
        200,
    ),
    Case(
        "DELETE",
        "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions/{reaction_id}",
        "/repos/{repo}/issues/comments/{comment}/reactions/{comment_reaction}",
        204,
    ),
    Case(
        "POST",
        "/repos/{owner}/{repo}/issues/{issue_number}/reactions",
        "/repos/{repo}/issues/{pull}/reactions",
        201,
        body={"content": "rocket"},
    ),
    Case("GET", "/repos/{owner}/{repo}/issues/{issue_number}/reactions", "/repos/{repo}/issues/{pull}/reactions", 200),
    Case(
        "DELETE",
        "/repos/{owner}/{repo}/issues/{issue_number}/reactions/{reaction_id}",
        "/repos/{repo}/issues/{pull}/reactions/{issue_reaction}",
        204,
    ),
    Case(
        "DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "/repos/{repo}/issues/comments/{comment}", 204
    ),
    Case(
        "POST",
        "/repos/{owner}/{repo}/issues/{issue_number}/labels",
        "/repos/{repo}/issues/{pull}/labels",
        200,
        body={"labels": ["size/XS", "verified"]},
    ),
    Case("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "/repos/{repo}/issues/{pull}/labels", 200),
    Case(
        "DELETE",
        "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
        "/repos/{repo}/issues/{pull}/labels/size/XS",
        200,
    ),
    Case(
        "PUT",
        "/repos/{owner}/{repo}/issues/{issue_number}/labels",
        "/repos/{repo}/issues/{pull}/labels",
        200,
        body={"labels": ["wip"]},
    ),
    Case("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "/repos/{repo}/issues/{pull}/labels", 204),
    Case(
        "POST",
        "/repos/{owner}/{repo}/issues/{issue_number}/assignees",
        "/repos/{repo}/issues/{pull}/assignees",
        201,
        body={"assignees": ["bob"]},
    ),
    Case(
        "DELETE",
        "/repos/{owner}/{repo}/issues/{issue_number}/assignees",
        "/repos/{repo}/issues/{pull}/assignees",
        200,
        body={"assignees": ["bob"]},
    ),
    Case("GET", "/repos/{owner}/{repo}/assignees/{assignee}", "/repos/{repo}/assignees/bob", 204),
    Case("GET", "/repos/{owner}/{repo}/assignees/{assignee}", "/repos/{repo}/assignees/stranger", 404),
    Case("GET", "/repos/{owner}/{repo}/pulls", "/repos/{repo}/pulls", 200),
    Case(
        "POST",
        "/repos/{owner}/{repo}/pulls",
        "/repos/{repo}/pulls",
        201,
        body={"title": "second", "head": "second", "base": "main"},
    ),
    Case(
        "POST",
        "/repos/{owner}/{repo}/pulls",
        "/repos/{repo}/pulls",
        422,
        body={"title": "again", "head": "second", "base": "main"},
    ),
    Case("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", "/repos/{repo}/pulls/{pull}", 200),
    Case("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", "/repos/{repo}/pulls/{pull}", 200, body={"title": "x"}),
    Case("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", "/repos/{repo}/pulls/{pull}/files", 200),
    Case("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", "/repos/{repo}/pulls/{pull}/commits", 200),
    Case("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", "/repos/{repo}/pulls/{pull}/comments", 200),
    Case(
        "POST",
        "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
        "/repos/{repo}/pulls/{pull}/requested_reviewers",
        201,
        body={"reviewers": ["alice"]},
    ),
    Case(
        "GET",
        "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
        "/repos/{repo}/pulls/{pull}/requested_reviewers",
        200,
    ),
    Case(
        "DELETE",
        "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
        "/repos/{repo}/pulls/{pull}/requested_reviewers",
        200,
        body={"reviewers": ["alice"]},
    ),
    Case(
        "POST",
        "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        "/repos/{repo}/pulls/{pull}/reviews",
        200,
        body={"event": "APPROVE"},
    ),
    Case("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "/repos/{repo}/pulls/{pull}/reviews", 200),
    Case(
        "GET",
        "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}",
        "/repos/{repo}/pulls/{pull}/reviews/{review}",
        200,
    ),
    Case(
        "PUT",
        "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/dismissals",
        "/repos/{repo}/pulls/{pull}/reviews/{review}/dismissals",
        200,
        body={"message": "stale"},
    ),
    Case(
        "POST",
        "/repos/{owner}/{repo}/check-runs",
        "/repos/{repo}/check-runs",
        201,
        "installation",
        body={"name": "tox", "head_sha": "{head}", "status": "queued"},
    ),
    Case(
        "POST",
        "/repos/{owner}/{repo}/check-runs",
        "/repos/{repo}/check-runs",
        403,
        body={"name": "tox", "head_sha": "{head}"},
    ),
    Case("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}", "/repos/{repo}/check-runs/{check_run}", 200),
    Case(
        "PATCH",
        "/repos/{owner}/{repo}/check-runs/{check_run_id}",
        "/repos/{repo}/check-runs/{check_run}",
        200,
        "installation",
        body={"status": "completed", "conclusion": "success", "output": {"title": "Tox", "summary": "ok", "text": ""}},
    ),
    Case(
        "GET",
        "/repos/{owner}/{repo}/commits/{ref}/check-runs",
        "/repos/{repo}/commits/{head}/check-runs",
        200,
        query={"check_name": "tox"},
    ),
    Case(
        "POST",
        "/repos/{owner}/{repo}/statuses/{sha}",
        "/repos/{repo}/statuses/{head}",
        201,
        body={"state": "success", "context": "ci"},
    ),
    Case("GET", "/repos/{owner}/{repo}/commits/{ref}/statuses", "/repos/{repo}/commits/{head}/statuses", 200),
    Case("GET", "/repos/{owner}/{repo}/commits/{ref}/status", "/repos/{repo}/commits/{head}/status", 200),
    Case(
        "PUT",
        "/repos/{owner}/{repo}/pulls/{pull_number}/update-branch",
        "/repos/{repo}/pulls/{pull}/update-branch",
        202,
        body={},
    ),
    Case(
        "PUT",
        "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
        "/repos/{repo}/pulls/{pull}/merge",
        200,
        body={"merge_method": "squash"},
    ),
    Case("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "/repos/{repo}/pulls/{pull}/merge", 405, body={}),
    Case("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "/repos/{repo}/pulls/{pull}/merge", 204),
    Case("DELETE", "/repos/{owner}/{repo}/branches/{branch}/protection", "/repos/{repo}/branches/main/protection", 204),
]


class World:
    """The repository state the cases run against, and the ids they refer to."""

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        fake.create_user("octo-org", type="Organization")
        fake.create_repo(
            REPO,
            {"OWNERS": "approvers: [alice]\n", "docs/a.md": "a\n"},
            collaborators={"alice": "admin", "bob": "write"},
        )
        self.pat = fake.create_token("alice")
        self.bob = fake.create_token("bob")
        self.ids: dict[str, Any] = {"repo": REPO, "installation": fake.install_app(REPO)}
        fake.create_repo("alice/tool", {"a": "b"})
        fake.install_app("alice/tool")
        self.installation = fake.installation_token(REPO)
        self.ids["pull"] = fake.open_pr(REPO, head="feature", files={"a.py": "a = 1\n"}, author="bob")
        fake.push(REPO, "main", {"other.txt": "main moved\n"}, author="alice")
        fake.push(REPO, "second", {"b.py": "b\n"}, author="bob")
        self.ids["head"] = fake.pull(REPO, self.ids["pull"])["head"]["sha"]
        self.ids["issue"] = fake.create_issue(REPO, "bug", "body", author="bob")
        fake.add_review_thread(REPO, self.ids["pull"], path="a.py", line=1, body="?", author="alice")
        self.ids["org_version"] = fake.add_package_version("octo-org", "hello", ["pr-1"])
        fake.create_user("alice")
        self.ids["user_version"] = fake.add_package_version("alice", "tool", ["latest"])

    def remember(self, case: Case, body: Any) -> None:
        """Keep ids that later cases refer to."""
        if case.method != "POST" or not isinstance(body, dict):
            return
        if case.template.endswith("/hooks"):
            self.ids["hook"] = body["id"]
        elif case.template.endswith("/issues/{issue_number}/comments"):
            self.ids["comment"] = body["id"]
        elif case.template.endswith("/comments/{comment_id}/reactions"):
            self.ids["comment_reaction"] = body["id"]
        elif case.template.endswith("/{issue_number}/reactions"):
            self.ids["issue_reaction"] = body["id"]
        elif case.template.endswith("/reviews"):
            self.ids["review"] = body["id"]
        elif case.template.endswith("/check-runs") and "id" in body:
            self.ids["check_run"] = body["id"]

    def headers(self, credential: str) -> dict[str, str]:
        if credential == "jwt":
            now = int(time.time())
            claims = {"iat": now - 60, "exp": now + 540, "iss": str(self.fake.app_id)}
            return {"Authorization": f"Bearer {jwt.encode(claims, self.fake.app_private_key_pem, algorithm='RS256')}"}
        token = self.installation if credential == "installation" else self.pat
        return {"Authorization": f"token {token}"}


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    # None skips validating the description itself (openapi-core checks for it; its annotation omits None).
    return OpenAPI.from_dict(load(TRIMMED_PATH), config=Config(spec_validator_cls=None))  # type: ignore[arg-type]


@pytest.fixture
def world(fake_github: FakeGitHub) -> World:
    return World(fake_github)


def _format(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format_map(collections.defaultdict(lambda: "missing", ids)) if "{" in value else value
    if isinstance(value, dict):
        return {key: _format(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_format(item, ids) for item in value]
    return value


def _unexpected(openapi: OpenAPI, request: MockRequest, response: MockResponse, template: str) -> list[str]:
    """Validation errors of one response, minus the allowed leniency."""
    try:
        openapi.validate_response(request, response)
    except OpenAPIError as error:
        details = [e.message for e in getattr(error.__cause__, "schema_errors", [])] or [str(error)]
        return [
            detail
            for detail in details
            if not any((where in (None, template)) and pattern.search(detail) for where, pattern in ALLOWED_ERRORS)
        ]
    return []


def test_validation_reports_a_malformed_response(openapi: OpenAPI) -> None:
    template = "/repos/{owner}/{repo}/labels/{name}"
    request = MockRequest("https://api.github.com", "GET", "/repos/a/b/labels/x", path_pattern=template)
    errors = _unexpected(openapi, request, MockResponse(b'{"name": 3}', status_code=200), template)
    assert "3 is not of type 'string'" in errors
    assert "'color' is a required property" in errors


def test_every_served_operation_has_a_case() -> None:
    served = {(method, template) for (method, _), template in served_operations(load(TRIMMED_PATH)["paths"]).items()}
    covered = {(case.method, case.template) for case in CASES}
    assert served - covered == set()
    assert covered - served == set()


def test_trimmed_description_covers_every_route() -> None:
    from webhook_server.tests.fake_github.app import ROUTES

    mapped = served_operations(load(TRIMMED_PATH)["paths"])
    unmapped = {(route.method, route.pattern) for route in ROUTES} - set(mapped)
    assert unmapped == NOT_IN_DESCRIPTION


def test_responses_conform_to_githubs_openapi_description(world: World, openapi: OpenAPI) -> None:
    failures = []
    with httpx.Client(base_url=world.fake.base_url, timeout=15) as http:
        for case in CASES:
            path = _format(case.path, world.ids)
            body = _format(case.body, world.ids)
            response = http.request(
                case.method, path, json=body, params=case.query, headers=world.headers(case.credential)
            )
            if response.status_code != case.status:
                got = f"status {response.status_code}, expected {case.status}"
                failures.append(f"{case.method} {path}: {got}: {response.text[:300]}")
                continue
            world.remember(case, response.json() if response.content else None)
            request = MockRequest(
                "https://api.github.com", case.method, path, path_pattern=case.template, args=case.query
            )
            mock = MockResponse(response.content, status_code=response.status_code, headers=dict(response.headers))
            if (case.method, case.template, case.status) in UNDOCUMENTED_STATUSES:
                continue
            details = _unexpected(openapi, request, mock, case.template)
            if details:
                failures.append(f"{case.method} {case.template} ({response.status_code}): {details[:5]}")
    assert not failures, "\n".join(failures)
