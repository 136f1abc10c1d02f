"""One PR's life against the fake GitHub, step by step, with the API calls and time of every delivery.

opened → synchronize → /lgtm → approving review → /verified → merged. After each user action the driver
waits until every delivery the fake sent since (the action's own and the follow-ups the server's writes
caused, such as `labeled` or `check_run`) is finished in the server's ledger. Used by
`benchmarks/pr_opened.py --scenario` (figures) and by the API-budget regression test (pinned counts).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from webhook_server.tests.e2e.harness import read_delivery
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.faults import RequestRecord
from webhook_server.tests.fake_github.webhooks import Delivery

OWNERS = "approvers:\n  - alice\nreviewers:\n  - bob\n"
AUTHOR, REVIEWER, APPROVER = "carol", "bob", "alice"
COLLABORATORS = {APPROVER: "admin", REVIEWER: "write", AUTHOR: "write"}
QUIET_SECONDS = 0.5


@dataclass(frozen=True)
class Step:
    """A user action and the delivery (event, action) it makes GitHub send."""

    name: str
    event: str
    action: str
    act: Callable[[FakeGitHub, str, int], object]


@dataclass(frozen=True)
class DeliveryCalls:
    """The API calls one delivery made (requests carrying its `X-GitHub-Delivery`)."""

    event: str
    action: str | None
    calls: tuple[RequestRecord, ...]

    @property
    def writes(self) -> int:
        return sum(1 for call in self.calls if call.method != "GET")

    def described(self, since: float | None = None) -> list[str]:
        """`METHOD path` per call; with `since`, prefixed by the call's start in seconds after it."""
        return [_describe(call, since) for call in self.calls]


@dataclass(frozen=True)
class StepResult:
    """What the server did for one step: the action's delivery and the follow-ups the server's writes caused."""

    name: str
    main: DeliveryCalls
    followups: tuple[DeliveryCalls, ...]
    seconds_to_last_write: float  # the action's delivery sent → the last write of the step (follow-ups included)
    sent_at: float  # when the fake sent the action's delivery

    @property
    def calls(self) -> int:
        return len(self.main.calls)

    @property
    def step_calls(self) -> int:
        return self.calls + sum(len(followup.calls) for followup in self.followups)


def _verified(fake: FakeGitHub, repo: str, number: int) -> object:
    return fake.comment(repo, number, "/verified", author=APPROVER)


def _push(fake: FakeGitHub, repo: str, _number: int) -> object:
    return fake.push(repo, "feature", {"src/y.py": "y = 2\n"}, message="feat: add y", author=AUTHOR)


OPENED = Step("opened", "pull_request", "opened", lambda fake, repo, n: None)
SCENARIO: tuple[Step, ...] = (
    Step("synchronize", "pull_request", "synchronize", _push),
    Step("lgtm", "issue_comment", "created", lambda fake, repo, n: fake.comment(repo, n, "/lgtm", author=REVIEWER)),
    Step("review", "pull_request_review", "submitted", lambda fake, repo, n: fake.review(repo, n, author=APPROVER)),
    Step("verified", "issue_comment", "created", _verified),
    Step("merged", "pull_request", "closed", lambda fake, repo, n: fake.merge(repo, n, author=APPROVER)),
)


def prepare_repository(fake: FakeGitHub, repo: str, bot: str) -> None:
    """The repository of the scenario: OWNERS with one approver and one reviewer, the App installed."""
    fake.create_repo(
        repo,
        {"OWNERS": OWNERS, "README.md": "service\n", "src/app.py": "print('hi')\n"},
        collaborators={**COLLABORATORS, bot: "admin"},
    )
    fake.install_app(repo)


def _finished(data_dir: Path, delivery: Delivery) -> bool:
    if delivery.status_code is None and delivery.error is None:
        return False
    row = read_delivery(data_dir, delivery.guid)
    return row is None or row.status in ("succeeded", "failed")  # no row: the intake did not record it


def wait_settled(fake: FakeGitHub, data_dir: Path, since: int, timeout: float = 120.0) -> list[Delivery]:
    """Wait until every delivery sent after the first `since` is finished and none came for a moment."""
    deadline = time.monotonic() + timeout
    quiet_from: float | None = None
    while time.monotonic() < deadline:
        fake.wait_for_deliveries_sent(timeout=30)
        sent = fake.deliveries()[since:]
        if all(_finished(data_dir, delivery) for delivery in sent):
            quiet_from = quiet_from or time.monotonic()
            if time.monotonic() - quiet_from >= QUIET_SECONDS and len(fake.deliveries()) == since + len(sent):
                return sent
        else:
            quiet_from = None
        time.sleep(0.05)
    raise TimeoutError(f"deliveries not finished within {timeout} s")


def _describe(call: RequestRecord, since: float | None) -> str:
    text = f"{call.method} {call.path}" if call.kind != "graphql" else "POST /graphql"
    return text if since is None else f"+{call.time - since:5.2f}s {text}"


def _delivery_calls(fake: FakeGitHub, delivery: Delivery) -> DeliveryCalls:
    return DeliveryCalls(delivery.event, delivery.action, tuple(fake.calls(delivery=delivery.guid)))


def _result(name: str, fake: FakeGitHub, main: Delivery, followups: list[Delivery]) -> StepResult:
    measured = [_delivery_calls(fake, delivery) for delivery in (main, *followups)]
    writes = [call for delivery in measured for call in delivery.calls if call.method != "GET"]
    assert main.sent_at is not None
    last = max((call.time + call.duration for call in writes), default=main.sent_at)
    return StepResult(name, measured[0], tuple(measured[1:]), last - main.sent_at, main.sent_at)


def run_step(fake: FakeGitHub, data_dir: Path, step: Step, act: Callable[[], object]) -> StepResult:
    """Do one user action, wait until the server settled, and measure the action's delivery."""
    since = len(fake.deliveries())
    act()
    sent = wait_settled(fake, data_dir, since)
    main = next(delivery for delivery in sent if (delivery.event, delivery.action) == (step.event, step.action))
    return _result(step.name, fake, main, [delivery for delivery in sent if delivery is not main])


def run_scenario(fake: FakeGitHub, data_dir: Path, repo: str) -> list[StepResult]:
    """Open the PR, then every step of `SCENARIO`; one result per step."""
    numbers: list[int] = []

    def open_pr() -> None:
        files = {"src/x.py": "x = 1\n"}
        numbers.append(fake.open_pr(repo, head="feature", base="main", title="feat: add x", author=AUTHOR, files=files))

    results = [run_step(fake, data_dir, OPENED, open_pr)]
    for step in SCENARIO:
        results.append(run_step(fake, data_dir, step, functools.partial(step.act, fake, repo, numbers[0])))
    return results
