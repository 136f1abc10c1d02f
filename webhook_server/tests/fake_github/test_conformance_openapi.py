"""Every REST operation the fake serves answers in the shape GitHub's OpenAPI description promises.

Responses are validated with openapi-core against the trimmed description vendored in
`fixtures/github/` (regenerate with `trim_openapi`). Each served operation must have a case here.
"""

from __future__ import annotations

import collections
import re
import time
from typing import Any

import httpx
import jwt
import pytest
from openapi_core import OpenAPI
from openapi_core.configurations import Config
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse

from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.conformance_cases import CASES, Case
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
# The machine-readable codes of a 422 `errors[]` entry, as GitHub's full REST description enumerates them
# (its error schema; the trimmed description keeps only `code: string`).
VALIDATION_CODES = {"missing", "missing_field", "invalid", "already_exists", "unprocessable", "custom"}
# What GitHub answers when a create meets an existing name (compared case-insensitively for labels).
ALREADY_EXISTS = [{"resource": "Label", "field": "name", "code": "already_exists"}]
_LABELS = "/repos/{owner}/{repo}/labels"
# Statuses GitHub answers that the description does not list for the operation.
UNDOCUMENTED_STATUSES = {
    (
        "POST",
        "/repos/{owner}/{repo}/check-runs",
        403,
    ),  # a PAT writing check runs: "You must authenticate via a GitHub App."
}


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
        self._failed_deliveries(fake)

    def _failed_deliveries(self, fake: FakeGitHub) -> None:
        """A repository hook and the App's hook whose targets refuse connections, each with a failed delivery."""
        self.ids["delivery_hook"] = fake.register_hook(REPO, url="http://127.0.0.1:1/unreachable")
        app_hook = fake.set_app_hook("http://127.0.0.1:1/unreachable-app")
        fake.comment(REPO, self.ids["issue"], "a comment", author="bob")
        fake.wait_for_deliveries_sent()
        sent = fake.deliveries("issue_comment")
        self.ids["delivery"] = next(item.id for item in sent if item.hook_id == self.ids["delivery_hook"])
        self.ids["app_delivery"] = next(item.id for item in sent if item.hook_id == app_hook)

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


def _unknown_validation_codes(case: Case, response: httpx.Response) -> list[str]:
    if response.status_code != 422:
        return []
    codes = {error.get("code") for error in response.json().get("errors", [])}
    return [f"{case.method} {case.template}: undocumented 422 code {code!r}" for code in codes - VALIDATION_CODES]


def test_creating_an_existing_label_answers_already_exists_like_github(world: World, openapi: OpenAPI) -> None:
    url = f"{world.fake.base_url}/repos/{REPO}/labels"
    headers = world.headers("pat")
    with httpx.Client(timeout=15) as http:
        assert http.post(url, json={"name": "race", "color": "aabbcc"}, headers=headers).status_code == 201
        answers = [http.post(url, json={"name": name, "color": "000000"}, headers=headers) for name in ("race", "RACE")]
    for answer in answers:
        assert answer.status_code == 422
        assert answer.json()["message"] == "Validation Failed"
        assert answer.json()["errors"] == ALREADY_EXISTS
        request = MockRequest("https://api.github.com", "POST", f"/repos/{REPO}/labels", path_pattern=_LABELS)
        mock = MockResponse(answer.content, status_code=422, headers=dict(answer.headers))
        assert _unexpected(openapi, request, mock, _LABELS) == []
    assert world.fake.repo_labels(REPO)["race"] == "aabbcc"  # the refused create changed nothing


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
            failures.extend(_unknown_validation_codes(case, response))
            details = _unexpected(openapi, request, mock, case.template)
            if details:
                failures.append(f"{case.method} {case.template} ({response.status_code}): {details[:5]}")
    assert not failures, "\n".join(failures)
