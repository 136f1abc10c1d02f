"""Webhook emission: signed deliveries to matching hooks, with payloads that validate like GitHub's."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhook_server.tests.fake_github.conftest import REPO, Scenario
from webhook_server.tests.fake_github.webhook_schemas import schema_errors, unexpected_errors
from webhook_server.tests.fake_github.webhooks import signature_256

SECRET = "It's a Secret to Everybody"


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers.items()), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook_server"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def test_github_hmac_test_vector() -> None:
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature_256(SECRET, b"Hello, World!") == expected


def test_delivery_is_posted_signed_with_github_headers(scenario: Scenario, receiver: Receiver) -> None:
    hook_id = scenario.fake.register_hook(REPO, receiver.url, SECRET)
    number = scenario.fake.open_pr(REPO, head="f", files={"a": "1"}, author="bob")
    scenario.fake.add_label(REPO, number, "bug", author="alice")
    scenario.fake.wait_for_deliveries_sent()
    events = [(headers["X-GitHub-Event"], body) for headers, body in receiver.received]
    assert [event for event, _ in events] == ["push", "pull_request", "pull_request"]
    headers, body = receiver.received[-1]
    assert headers["X-Hub-Signature-256"] == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["User-Agent"].startswith("GitHub-Hookshot/")
    assert headers["X-GitHub-Hook-ID"] == str(hook_id)
    assert len(headers["X-GitHub-Delivery"]) == 36
    assert headers["Content-Type"] == "application/json"
    delivery = scenario.fake.deliveries("pull_request", action="labeled")[0]
    assert delivery.status_code == 200
    assert delivery.payload["label"]["name"] == "bug"
    assert delivery.payload["sender"]["login"] == "alice"


def test_only_active_hooks_with_matching_events_receive(scenario: Scenario) -> None:
    everything = scenario.fake.register_hook(REPO, "", events=["*"])
    labels_only = scenario.fake.register_hook(REPO, "", events=["pull_request"])
    inactive = scenario.fake.register_hook(REPO, "", active=False)
    number = scenario.fake.open_pr(REPO, head="f", files={"a": "1"}, author="bob")
    scenario.fake.comment(REPO, number, "hello", author="carol")
    by_hook = {
        hook: [d.event for d in scenario.fake.deliveries() if d.hook_id == hook]
        for hook in (everything, labels_only, inactive)
    }
    assert by_hook[everything] == ["push", "pull_request", "issue_comment"]
    assert by_hook[labels_only] == ["pull_request"]
    assert by_hook[inactive] == []


def test_unsigned_when_hook_has_no_secret(scenario: Scenario) -> None:
    scenario.fake.register_hook(REPO, "")
    scenario.fake.create_issue(REPO, "bug")
    assert "X-Hub-Signature-256" not in scenario.fake.deliveries("issues")[0].headers


def test_hook_created_through_the_api_gets_a_ping(scenario: Scenario, receiver: Receiver) -> None:
    repo = scenario.gh.get_repo(REPO)
    hook = repo.create_hook("web", {"url": receiver.url, "content_type": "json", "secret": SECRET}, ["*"], True)
    scenario.fake.wait_for_deliveries_sent()
    headers, _ = receiver.received[0]
    assert headers["X-GitHub-Event"] == "ping"
    ping = scenario.fake.deliveries("ping")[0].payload
    assert ping["hook_id"] == hook.id
    assert unexpected_errors("ping", ping) == []


def test_delivery_failure_is_recorded(scenario: Scenario) -> None:
    scenario.fake.register_hook(REPO, "http://127.0.0.1:9/unreachable")
    scenario.fake.create_issue(REPO, "bug")
    scenario.fake.wait_for_deliveries_sent()
    delivery = scenario.fake.deliveries("issues")[0]
    assert delivery.status_code is None
    assert delivery.error


def _produce_every_event(scenario: Scenario) -> None:
    """Drive every change the server reacts to, through the REST API and through the test API."""
    fake = scenario.fake
    fake.install_app(REPO)
    fake.update_repo(REPO, allow_auto_merge=True)
    bob = scenario.client(scenario.bob_token)
    app = scenario.client(fake.installation_token(REPO))
    number = fake.open_pr(REPO, head="feature", files={"a.py": "a = 1\n"}, author="bob", title="feat: a")
    pull = scenario.gh.get_repo(REPO).get_pull(number)
    pull.add_to_labels("bug")
    pull.remove_from_labels("bug")
    pull.create_review_request(reviewers=["alice"])
    pull.delete_review_request(reviewers=["alice"])
    pull.add_to_assignees("bob")
    pull.edit(title="feat: better a")
    comment = bob.get_repo(REPO).get_issue(number).create_comment("/retest tox")
    comment.edit("/retest all")
    comment.delete()
    pull.create_review(event="APPROVE")
    pull.create_review(event="REQUEST_CHANGES", body="no")
    fake.review(REPO, number, author="carol", state="commented", body="hm")
    sha = fake.push(REPO, "feature", {"b.py": "b = 2\n"}, author="bob")
    app_repo = app.get_repo(REPO)
    run = app_repo.create_check_run(name="tox", head_sha=sha, status="in_progress")
    run.edit(status="completed", conclusion="success", output={"title": "Tox", "summary": "ok"})
    app_repo.get_commit(sha).create_status("success", context="ci/jenkins")
    thread = fake.add_review_thread(REPO, number, path="a.py", line=1, body="why?", author="alice")
    fake.resolve_thread(REPO, thread, True, author="bob")
    fake.resolve_thread(REPO, thread, False, author="bob")
    fake.set_draft(REPO, number, True, author="bob")
    fake.set_draft(REPO, number, False, author="bob")
    fake.edit_pr(REPO, number, base="main", body="body", author="bob")
    fake.close(REPO, number, author="bob")
    fake.reopen(REPO, number, author="bob")
    fake.merge(REPO, number, author="alice", method="squash")
    issue = fake.create_issue(REPO, "tracking", "body", author="alice", labels=["x"])
    fake.comment(REPO, issue, "note", author="bob")
    fake.add_label(REPO, issue, "y")
    fake.close(REPO, issue)
    fake.create_branch(REPO, "tmp")
    fake.delete_branch(REPO, "tmp")
    fake.create_tag(REPO, "v1.0.0")


def test_every_emitted_payload_validates_against_githubs_schemas(scenario: Scenario) -> None:
    scenario.fake.register_hook(REPO, "")
    _produce_every_event(scenario)
    deliveries = scenario.fake.deliveries()
    produced = {(d.event, d.action) for d in deliveries}
    expected = {
        ("push", None),
        ("pull_request", "opened"),
        ("pull_request", "labeled"),
        ("pull_request", "unlabeled"),
        ("pull_request", "review_requested"),
        ("pull_request", "review_request_removed"),
        ("pull_request", "assigned"),
        ("pull_request", "edited"),
        ("pull_request", "synchronize"),
        ("pull_request", "converted_to_draft"),
        ("pull_request", "ready_for_review"),
        ("pull_request", "closed"),
        ("pull_request", "reopened"),
        ("issue_comment", "created"),
        ("issue_comment", "edited"),
        ("issue_comment", "deleted"),
        ("pull_request_review", "submitted"),
        ("pull_request_review_thread", "resolved"),
        ("pull_request_review_thread", "unresolved"),
        ("check_run", "created"),
        ("check_run", "completed"),
        ("status", None),
        ("issues", "opened"),
        ("issues", "labeled"),
        ("issues", "closed"),
    }
    assert expected <= produced
    problems = {
        f"{d.event}.{d.action}": errors for d in deliveries if (errors := unexpected_errors(d.event, d.payload))
    }
    assert problems == {}
    strict = {f"{d.event}.{d.action}": errors for d in deliveries if (errors := schema_errors(d.event, d.payload))}
    assert strict == {}


def test_pull_request_payload_semantics(scenario: Scenario) -> None:
    scenario.fake.register_hook(REPO, "")
    _produce_every_event(scenario)
    fake = scenario.fake
    opened = fake.deliveries("pull_request", action="opened")[0].payload
    assert opened["pull_request"]["user"]["login"] == "bob"
    assert opened["pull_request"]["head"]["ref"] == "feature"
    assert opened["pull_request"]["additions"] == 1
    edited = [d.payload for d in fake.deliveries("pull_request", action="edited")]
    assert edited[0]["changes"] == {"title": {"from": "feat: a"}}
    assert edited[1]["changes"] == {"body": {"from": ""}}
    closed = [d.payload for d in fake.deliveries("pull_request", action="closed")]
    assert [c["pull_request"]["merged"] for c in closed] == [False, True]
    reviews = [d.payload["review"]["state"] for d in fake.deliveries("pull_request_review")]
    assert reviews == ["approved", "changes_requested", "commented"]
    comment = fake.deliveries("issue_comment", action="created")[0].payload
    assert comment["issue"]["pull_request"]["url"].endswith("/pulls/1")
    assert comment["comment"]["body"] == "/retest tox"
    completed = fake.deliveries("check_run", action="completed")[0].payload["check_run"]
    assert (completed["name"], completed["conclusion"]) == ("tox", "success")
    assert completed["pull_requests"][0]["number"] == 1
    assert completed["app"]["id"] == fake.app_id
    status = fake.deliveries("status")[0].payload
    assert (status["context"], status["state"]) == ("ci/jenkins", "success")
    pushes = [(d.payload["ref"], d.payload["deleted"]) for d in fake.deliveries("push")]
    assert ("refs/heads/main", False) in pushes
    assert ("refs/heads/tmp", True) in pushes
    assert pushes[-1] == ("refs/tags/v1.0.0", False)
