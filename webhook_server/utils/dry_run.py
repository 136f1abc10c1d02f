"""Dry-run mode of `replay`: while a `WriteRecorder` is installed, GitHub writes (REST non-GET, GraphQL
mutations), git pushes and jobs are recorded in order instead of being sent or run.

The transport (`libs.github.transport`), the git runner (`libs.git.process`) and the job manager
(`libs.pipeline.jobs`) ask `intercept_http_write` / `intercept_git_push` / `intercept_job` here; any other
client that writes to GitHub (a GraphQL library, for example) needs only one call to `intercept_http_write`
before it sends.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from webhook_server.utils.masking import mask_text

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SUMMARY_LIMIT = 160
FIRST_FAKE_ID = 900_000_000
# Creating an App installation token changes nothing in a repository; a dry run needs the token for its reads.
_USER_LISTS = {"assignees": "assignees", "reviewers": "requested_reviewers"}
_NOT_A_WRITE = re.compile(r"/app/installations/\d+/access_tokens$")


@dataclass(frozen=True)
class InterceptedCall:
    """One call a dry run did not make: `kind` is rest, graphql, git or job."""

    kind: str
    method: str
    path: str
    summary: str = ""

    def line(self) -> str:
        """The printed form: `METHOD path  summary`."""
        text = f"{self.method} {self.path}"
        return f"{text}  {self.summary}" if self.summary else text


class WriteRecorder:
    """The calls intercepted by one dry run, in the order they were attempted (thread-safe)."""

    def __init__(self) -> None:
        self._calls: list[InterceptedCall] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(FIRST_FAKE_ID)

    def record(self, call: InterceptedCall) -> int:
        """Keep `call`; returns a made-up id for the answer that stands in for GitHub's."""
        with self._lock:
            self._calls.append(call)
            return next(self._ids)

    @property
    def calls(self) -> tuple[InterceptedCall, ...]:
        with self._lock:
            return tuple(self._calls)

    def writes(self) -> tuple[InterceptedCall, ...]:
        """The intercepted GitHub writes and pushes (jobs left out)."""
        return tuple(call for call in self.calls if call.kind != "job")

    def jobs(self) -> tuple[InterceptedCall, ...]:
        return tuple(call for call in self.calls if call.kind == "job")


_ACTIVE: list[WriteRecorder] = []


def install(recorder: WriteRecorder) -> None:
    """Start intercepting for this process (one recorder at a time)."""
    assert not _ACTIVE, "a dry run is already recording"
    _ACTIVE.append(recorder)


def uninstall() -> None:
    _ACTIVE.clear()


def active_recorder() -> WriteRecorder | None:
    return _ACTIVE[0] if _ACTIVE else None


def _decoded(body: Any) -> Any:
    if body is None or body == "":
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body


def is_graphql_mutation(document: Any) -> bool:
    """Whether a GraphQL request body (`{"query": ...}`) holds a mutation."""
    if not isinstance(document, dict):
        return False
    query = str(document.get("query", "")).lstrip()
    return query.startswith("mutation")


def summarize(body: Any) -> str:
    """A one-line, masked, shortened form of a request body."""
    if body is None:
        return ""
    if isinstance(body, dict) and "query" in body:
        query = " ".join(str(body["query"]).split())
        body = {"query": query, "variables": body.get("variables")}
    text = json.dumps(body, sort_keys=True, default=str) if not isinstance(body, str) else body
    text = mask_text(text, keyword_masking=True)
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"


def _graphql_answer(fake_id: int, document: dict[str, Any]) -> dict[str, Any]:
    """`{"data": {<mutation field>: {...}}}` with a PR number and ids, enough for the callers' reads."""
    query = str(document.get("query", ""))
    _, _, rest = query.partition("{")
    field_name = rest.strip().split("(", 1)[0].split("{", 1)[0].strip() or "mutation"
    return {"data": {field_name: {"pullRequest": {"number": 0, "id": f"DRY_RUN_{fake_id}"}, "clientMutationId": None}}}


def _rest_answer(fake_id: int, method: str, path: str, body: Any) -> Any:
    """A plausible GitHub answer: the request body echoed with ids; label writes answer the label list."""
    if path.split("?", 1)[0].endswith("/labels") and method in ("POST", "PUT"):
        names = body.get("labels", []) if isinstance(body, dict) else (body or [])
        return [{"name": name, "color": "ededed"} for name in names]
    echoed = dict(body) if isinstance(body, dict) else {}
    for sent_key, answer_key in _USER_LISTS.items():  # GitHub answers logins as user objects
        if isinstance(echoed.get(sent_key), list):
            echoed[answer_key] = [{"login": login} for login in echoed[sent_key]]
    return {
        **echoed,
        "id": fake_id,
        "number": fake_id,
        "node_id": f"DRY_RUN_{fake_id}",
        "html_url": "",
        "url": "",
        "dry_run": True,
    }


@dataclass(frozen=True)
class FakeAnswer:
    """What the transport hands back in place of GitHub's answer."""

    status: int
    body: Any


def intercept_http_write(method: str, path: str, raw_body: Any) -> FakeAnswer | None:
    """In a dry run, record a write and return the answer to use; None when the request should be sent."""
    recorder = active_recorder()
    if recorder is None:
        return None
    method = method.upper()
    body = _decoded(raw_body)
    is_graphql = path.split("?", 1)[0].rstrip("/").endswith("/graphql")
    if is_graphql:
        if not is_graphql_mutation(body):
            return None
        fake_id = recorder.record(InterceptedCall("graphql", method, path, summarize(body)))
        return FakeAnswer(200, _graphql_answer(fake_id, body))
    if method in READ_METHODS or _NOT_A_WRITE.search(path.split("?", 1)[0]):
        return None
    fake_id = recorder.record(InterceptedCall("rest", method, path, summarize(body)))
    if method == "DELETE":
        removes_label = "/labels/" in path.split("?", 1)[0]
        return FakeAnswer(200, []) if removes_label else FakeAnswer(204, None)
    return FakeAnswer(201 if method == "POST" else 200, _rest_answer(fake_id, method, path, body))


def intercept_git_push(args: Sequence[str]) -> bool:
    """In a dry run, record `git push ...` (URL credentials are never in argv) and say it was intercepted."""
    recorder = active_recorder()
    if recorder is None or not args or args[0] != "push":
        return False
    recorder.record(InterceptedCall("git", "GIT", "push", mask_text(" ".join(args[1:]), keyword_masking=True)))
    return True


def intercept_job(kind: str, name: str, repository: str, pr_number: int | None) -> bool:
    """In a dry run, list a job (check, release, oracle) instead of running it."""
    recorder = active_recorder()
    if recorder is None:
        return False
    where = f"{repository}#{pr_number}" if pr_number is not None else repository
    recorder.record(InterceptedCall("job", "JOB", f"{kind} {name}", where))
    return True
