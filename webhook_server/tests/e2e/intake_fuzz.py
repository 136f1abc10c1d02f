"""A bounded, seeded generator of hostile webhook requests: GitHub's published payloads with fields
deleted or retyped, random bytes, deep nesting, non-object JSON, form-encoded bodies, and header sets
that are signed, unsigned, mis-signed or missing parts."""

import copy
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from webhook_server.utils.signature import sign_body

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "webhook-examples.json"
HANDLED_EVENTS = (
    "pull_request",
    "pull_request_review",
    "pull_request_review_thread",
    "issue_comment",
    "check_run",
    "status",
    "push",
    "ping",
)
JSON_TYPES = ("application/json", "application/json; charset=utf-8", "application/vnd.github+json")
FORM_TYPES = ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8")
ODD_TYPES = ("text/plain", "multipart/form-data; boundary=x", "", "application/x-www-form-urlencoded;;;")
SCALARS: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1.5,
    10**30,
    "",
    "abc",
    "\u0000",
    "ü" * 3,
    [],
    {},
    [None],
    {"a": 1},
)


@dataclass(frozen=True)
class FuzzRequest:
    """One request: body, headers, and what the generator made (for failure messages)."""

    body: bytes
    headers: dict[str, str]
    kind: str


def load_examples() -> list[tuple[str, dict[str, Any]]]:
    events = json.loads(EXAMPLES.read_text())
    return [(event["name"], example) for event in events for example in event["examples"]]


class IntakeFuzzer:
    """Requests for a server whose secret is `secret` and whose only managed repository is `managed`
    (with open PR `pr_number`): managed payloads keep numbers pointing at that PR, so processing them
    exercises the pipeline without asking GitHub about objects that do not exist."""

    def __init__(self, seed: int, secret: str, managed: str, pr_number: int, managed_share: float = 0.02) -> None:
        self.rng = random.Random(seed)
        self.secret = secret
        self.managed = managed
        self.pr_number = pr_number
        self.managed_share = managed_share
        self.examples = [(event, payload) for event, payload in load_examples() if isinstance(payload, dict)]

    def requests(self, count: int) -> Iterator[FuzzRequest]:
        for _ in range(count):
            yield self.one()

    def one(self) -> FuzzRequest:
        kind = self.rng.choices(
            ["mutated", "example", "random-bytes", "deep", "non-object", "form", "bad-utf8"],
            weights=[45, 15, 10, 5, 8, 12, 5],
        )[0]
        event, body = getattr(self, f"_{kind.replace('-', '_')}")()
        return FuzzRequest(body=body, headers=self._headers(event, body, form=kind == "form"), kind=kind)

    # ---- bodies -----------------------------------------------------------------------------
    def _payload(self) -> tuple[str, dict[str, Any]]:
        event, example = self.rng.choice(self.examples)
        payload = copy.deepcopy(example)
        if self.rng.random() < self.managed_share:
            name = self.managed.split("/")[1]
            payload["repository"] = {**payload.get("repository", {}), "name": name, "full_name": self.managed}
            self._point_at_managed_pr(payload)
        else:
            payload["repository"] = {"name": "elsewhere", "full_name": f"fuzz-org/elsewhere-{self.rng.randint(0, 9)}"}
        return event, payload

    def _point_at_managed_pr(self, payload: dict[str, Any]) -> None:
        for key in ("pull_request", "issue"):
            if isinstance(payload.get(key), dict):
                payload[key]["number"] = self.pr_number
        check_run = payload.get("check_run")
        if isinstance(check_run, dict):
            check_run["pull_requests"] = []

    def _example(self) -> tuple[str, bytes]:
        event, payload = self._payload()
        return event, json.dumps(payload).encode()

    def _mutated(self) -> tuple[str, bytes]:
        event, payload = self._payload()
        for _ in range(self.rng.randint(1, 4)):
            self._mutate(payload)
        return event, json.dumps(payload).encode()

    def _mutate(self, payload: dict[str, Any]) -> None:
        """Delete or retype one field somewhere below the top level (repository stays intact mostly)."""
        container: dict[str, Any] = payload
        while True:
            keys = [key for key in container if key != "repository" or self.rng.random() < 0.05]
            if not keys:
                return
            key = self.rng.choice(keys)
            child = container[key]
            if not isinstance(child, dict) or not child or self.rng.random() < 0.4:
                break
            container = child
        if self.rng.random() < 0.3:
            del container[key]
        else:
            container[key] = self.rng.choice(SCALARS)

    def _random_bytes(self) -> tuple[str, bytes]:
        return self.rng.choice(HANDLED_EVENTS), self.rng.randbytes(self.rng.randint(0, 2048))

    def _deep(self) -> tuple[str, bytes]:
        depth = self.rng.choice([150, 199, 201, 1_001, 50_000])
        opening, closing = self.rng.choice([("[", "]"), ('{"a":', "}")])
        repository = json.dumps({"name": "elsewhere", "full_name": "fuzz-org/deep"})
        body = f'{{"repository": {repository}, "x": {opening * depth}1{closing * depth}}}'
        return self.rng.choice(HANDLED_EVENTS), body.encode()

    def _non_object(self) -> tuple[str, bytes]:
        value = self.rng.choice([[], [1, 2], 1, "s", None, True, {"repository": None}, {"repository": {"name": 1}}])
        return self.rng.choice(HANDLED_EVENTS), json.dumps(value).encode()

    def _form(self) -> tuple[str, bytes]:
        event, payload = self._payload()
        if self.rng.random() < 0.5:
            self._mutate(payload)
        field = self.rng.choice(["payload", "payload", "payload", "other"])
        document = json.dumps(payload) if self.rng.random() < 0.9 else "{broken"
        return event, urlencode({field: document}).encode()

    def _bad_utf8(self) -> tuple[str, bytes]:
        event, payload = self._payload()
        body = json.dumps(payload).encode()
        cut = self.rng.randint(0, len(body))
        return event, body[:cut] + b"\xff\xfe\xc3" + body[cut:]

    # ---- headers -----------------------------------------------------------------------------
    def _headers(self, event: str, body: bytes, *, form: bool) -> dict[str, str]:
        rng = self.rng
        headers: dict[str, str] = {}
        if rng.random() < 0.97:
            headers["X-GitHub-Event"] = event if rng.random() < 0.9 else rng.choice(["", "unknown", "PUSH", "x" * 200])
        if rng.random() < 0.9:
            headers["X-GitHub-Delivery"] = str(uuid.UUID(int=rng.getrandbits(128)))
        elif rng.random() < 0.5:
            headers["X-GitHub-Delivery"] = rng.choice(["", "not-a-uuid", "a" * 300])
        content_types = FORM_TYPES if form else JSON_TYPES
        headers["Content-Type"] = rng.choice(content_types) if rng.random() < 0.9 else rng.choice(ODD_TYPES)
        signature = rng.random()
        if signature < 0.8:
            headers["X-Hub-Signature-256"] = sign_body(self.secret, body)
        elif signature < 0.87:
            headers["X-Hub-Signature-256"] = sign_body("wrong-secret", body)
        elif signature < 0.93:
            headers["X-Hub-Signature-256"] = rng.choice(["", "sha256=", "sha1=abc", "sha256=zz", "garbage"])
        if rng.random() < 0.1:
            headers["User-Agent"] = "GitHub-Hookshot/" + "x" * rng.randint(0, 50)
        return headers
