"""Extra expectations of table cases, read from the fake GitHub, the ledger and the recording oracle."""

from __future__ import annotations

import sqlite3
from typing import Any

from webhook_server.libs.rules.welcome_markers import WELCOME_MARKER
from webhook_server.tests.commands.cases import Verify
from webhook_server.tests.commands.world import API_USER, CommandWorld, CommentOutcome


def _repo(outcome: CommentOutcome) -> str:
    full_name: str = outcome.pull["base"]["repo"]["full_name"]
    return full_name


def _latest_run(world: CommandWorld, outcome: CommentOutcome, name: str) -> dict[str, Any] | None:
    runs = world.fake.check_runs(_repo(outcome), outcome.pull["head"]["sha"], name)
    return runs[-1] if runs else None


def title_is(expected: str) -> Verify:
    def verify(world: CommandWorld, outcome: CommentOutcome) -> None:
        assert outcome.pull["title"] == expected

    return verify


ANY = "<any conclusion>"


def check_run_is(name: str, status: str, conclusion: str | None = None, title: str | None = None) -> Verify:
    """The latest run of `name` on the head SHA has this status (and conclusion, unless ANY; output title)."""

    def verify(world: CommandWorld, outcome: CommentOutcome) -> None:
        run = _latest_run(world, outcome, name)
        assert run is not None, f"no {name} check run"
        assert run["status"] == status
        if conclusion != ANY:
            assert run["conclusion"] == conclusion
        if title is not None:
            assert run["output"]["title"] == title

    return verify


def no_check_run(*names: str) -> Verify:
    def verify(world: CommandWorld, outcome: CommentOutcome) -> None:
        for name in names:
            assert _latest_run(world, outcome, name) is None, name

    return verify


def reviewers_requested(*logins: str) -> Verify:
    def verify(world: CommandWorld, outcome: CommentOutcome) -> None:
        requested = world.fake.requested_reviewers(_repo(outcome), outcome.pull["number"])
        assert set(logins) <= set(requested), requested

    return verify


HEAD_SHA = "<head sha>"


def effect_recorded(kind: str, suffix: str, present: bool = True) -> Verify:
    """The ledger's effects table has (or lacks) `<kind>:<repo>#<pr>:<suffix>` (HEAD_SHA: the PR's head)."""

    def verify(world: CommandWorld, outcome: CommentOutcome) -> None:
        value = outcome.pull["head"]["sha"] if suffix == HEAD_SHA else suffix
        key = f"{kind}:{_repo(outcome)}#{outcome.pull['number']}:{value}"
        with sqlite3.connect(world.server.data_dir / "webhook-ledger.sqlite3") as connection:
            row = connection.execute("SELECT value FROM effects WHERE effect_key = ?", (key,)).fetchone()
        assert (row is not None) is present, key

    return verify


def oracle_analyses(count: int) -> Verify:
    """How many `POST /analyze` the oracle received for this PR (with the contract's body)."""

    def verify(world: CommandWorld, outcome: CommentOutcome) -> None:
        bodies = world.oracle.recorder.analyses_for(outcome.pull["html_url"])
        assert len(bodies) == count, bodies
        for body in bodies:
            assert body["ai_provider"] == "claude"
            assert body["ai_model"] == "sonnet"
            assert body["test_patterns"] == ["tests/**/*.py"]
            assert body["github_token"] == world.token

    return verify


def oracle_job(status: str) -> Verify:
    """The PR's test-oracle job in the ledger ended with `status`."""

    def verify(world: CommandWorld, outcome: CommentOutcome) -> None:
        with sqlite3.connect(world.server.data_dir / "webhook-ledger.sqlite3") as connection:
            rows = connection.execute(
                "SELECT status FROM jobs WHERE kind = 'test-oracle' AND repository = ? AND pr_number = ?",
                (_repo(outcome), outcome.pull["number"]),
            ).fetchall()
        assert [row[0] for row in rows] == [status]

    return verify


def reply_mentions(*texts: str, absent: tuple[str, ...] = ()) -> Verify:
    """The first reply contains every text of `texts` and none of `absent`."""

    def verify(world: CommandWorld, outcome: CommentOutcome) -> None:
        reply = outcome.replies[0]
        for text in texts:
            assert text in reply, text
        for text in absent:
            assert text not in reply, text

    return verify


def welcome_comment_posted(world: CommandWorld, outcome: CommentOutcome) -> None:
    bodies = [item["body"] for item in world.fake.comments(_repo(outcome), outcome.pull["number"])]
    assert any(body.startswith(WELCOME_MARKER) for body in bodies)


def no_server_comment(world: CommandWorld, outcome: CommentOutcome) -> None:
    comments = world.fake.comments(_repo(outcome), outcome.pull["number"])
    assert not [item for item in comments if item["user"]["login"] == API_USER]


def all_of(*verifiers: Verify) -> Verify:
    def verify(world: CommandWorld, outcome: CommentOutcome) -> None:
        for verifier in verifiers:
            verifier(world, outcome)

    return verify
