"""Nothing waits inside a PR's lane: while GitHub still computes `mergeable` (null), a ledger-backed re-check
follows later, later deliveries of the PR run meanwhile, and closing, merging or pushing stops the re-check at
once. The real server runs in-process against the fake GitHub (with 50 ms per API call where it matters)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from webhook_server.libs.pr import merge_state
from webhook_server.libs.rules.merge_state import RecheckSchedule
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.pr_workflow.conftest import API_USER, AUTHOR, EnvFactory, PrEnv

LATENCY = 0.05  # seconds per API call, as on a busy GitHub
DRAIN_LIMIT_SECONDS = 2.0  # the bound on an idle machine
LOAD_MARGIN_SECONDS = 1.5  # the shared 2-core machine runs other suites at the same time
EVALUATION_STEP = "check_merge_eligibility"  # runs after the lane phase (coalesced), not part of it
BURST = (
    ("pull_request", "synchronize"),
    ("issue_comment", "created"),
    ("pull_request_review", "submitted"),
    ("issue_comment", "created"),
    ("pull_request", "closed"),
)


@dataclass(frozen=True)
class Recheck:
    job_id: int
    head_sha: str
    status: str
    outcome: str | None
    error: str | None


def rechecks(env: PrEnv, number: int) -> list[Recheck]:
    """The PR's mergeable re-checks in the ledger, oldest first (read with a separate connection)."""
    with sqlite3.connect(env.server.data_dir / "webhook-ledger.sqlite3", timeout=10) as connection:
        rows = connection.execute(
            "SELECT job_id, head_sha, status, outcome, error FROM jobs WHERE kind = ? AND pr_number = ?"
            " ORDER BY job_id",
            (merge_state.RECHECK_KIND, number),
        ).fetchall()
    return [Recheck(*row) for row in rows]


def lane_phase_end(env: PrEnv, delivery_id: str) -> datetime:
    """When the delivery's last lane-phase step ended (its summary; the coalesced evaluation excluded)."""
    steps = env.server.summary_of(delivery_id)["workflow_steps"]
    return max(
        datetime.fromisoformat(step["timestamp"]) + timedelta(milliseconds=step["duration_ms"] or 0)
        for name, step in steps.items()
        if not name.startswith(EVALUATION_STEP)
    )


def ledger_times(data_dir: Path, delivery_id: str) -> tuple[datetime, datetime]:
    """(received_at, completed_at) of a finished delivery."""
    with sqlite3.connect(data_dir / "webhook-ledger.sqlite3", timeout=10) as connection:
        received, completed = connection.execute(
            "SELECT received_at, completed_at FROM deliveries WHERE delivery_id = ?", (delivery_id,)
        ).fetchone()
    return datetime.fromisoformat(received), datetime.fromisoformat(completed)


def wait_for_end(env: PrEnv, number: int) -> list[tuple[str, str | None]]:
    """(status, outcome) of the PR's re-checks once none is active any more."""

    def ended() -> bool:
        rows = rechecks(env, number)
        return bool(rows) and all(row.status not in ("queued", "running") for row in rows)

    env.fake.wait_until(ended, timeout=30)
    return [(recheck.status, recheck.outcome) for recheck in rechecks(env, number)]


def pull_reads(fake: FakeGitHub, repo: str, number: int) -> int:
    """How many times the server fetched the PR."""
    return len(fake.calls("GET", f"/repos/{repo}/pulls/{number}", identity=API_USER))


async def test_a_burst_on_one_pr_drains_within_two_seconds_of_its_last_delivery(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()
    seen = len(env.fake.deliveries())
    env.fake.inject_latency(LATENCY)
    env.fake.set_mergeable(env.repo, number, None)  # GitHub computes it after the push; merged, it stays null
    env.fake.push(env.repo, "feature", {"a.py": "x = 2\n"}, author=AUTHOR)
    env.fake.comment(env.repo, number, "/lgtm", author="bob")
    env.fake.review(env.repo, number, author="carol", state="APPROVE")
    env.fake.comment(env.repo, number, "/verified", author="alice")
    env.fake.merge(env.repo, number, author="alice", method="squash")
    burst = [d for d in env.fake.deliveries()[seen:] if (d.event, d.action) in BURST]
    assert [(d.event, d.action) for d in burst] == list(BURST)

    ids = [str(uuid.uuid4()) for _ in burst]
    for delivery_id, delivery in zip(ids, burst, strict=True):
        assert (await env.server.post(delivery.event, delivery.payload, delivery_id)).status_code == 200
    rows = [await env.server.wait_finished(delivery_id, timeout=60) for delivery_id in ids]

    assert [row.status for row in rows] == ["succeeded"] * len(BURST)
    times = [ledger_times(env.server.data_dir, delivery_id) for delivery_id in ids]
    last_arrival = max(received for received, _ in times)
    lane_drained = max(lane_phase_end(env, delivery_id) for delivery_id in ids)
    finished = max(completed for _, completed in times)
    assert (lane_drained - last_arrival).total_seconds() < DRAIN_LIMIT_SECONDS + LOAD_MARGIN_SECONDS
    quiet = env.server.runtime.evaluations.quiet_seconds  # followups wait for the coalesced evaluation
    assert (finished - last_arrival).total_seconds() < DRAIN_LIMIT_SECONDS + LOAD_MARGIN_SECONDS + quiet
    assert {"lgtm-bob", "verified"} <= env.labels(number)
    [recheck] = rechecks(env, number)  # scheduled by the push, stopped by the merge
    assert (recheck.status, recheck.error) == ("cancelled", "pull request merged")


async def test_mergeable_settling_10s_later_gives_the_right_labels_without_holding_the_lane(
    make_env: EnvFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(merge_state, "RECHECK_SCHEDULE", RecheckSchedule())  # the spec's 5 s steps
    env = await make_env()
    number = await env.open_pr()
    env.fake.add_label(env.repo, number, "has-conflicts", author=API_USER)  # from an earlier conflict
    env.fake.push(env.repo, "main", {"other.txt": "main moved\n"}, author="alice")  # the PR is now behind
    env.fake.push(env.repo, "feature", {"a.py": "x = 2\n"}, author=AUTHOR)
    env.fake.set_mergeable(env.repo, number, True, "behind", unknown_seconds=10.0)
    started = time.monotonic()

    sync = await env.forward("pull_request", "synchronize")
    env.fake.comment(env.repo, number, "/lgtm", author="bob")
    comment = await env.forward("issue_comment", "created")

    assert time.monotonic() - started < 8.0  # both processed while `mergeable` is still null
    assert (sync.status, comment.status) == ("succeeded", "succeeded")
    assert "lgtm-bob" in env.labels(number)
    assert {"has-conflicts", "needs-rebase"} & env.labels(number) == {"has-conflicts"}  # unchanged so far
    assert "PR mergeability is not known yet" in env.check(number, "can-be-merged")["output"]["text"]

    env.fake.wait_until(lambda: "needs-rebase" in env.labels(number), timeout=30)
    assert time.monotonic() - started >= 10.0
    assert "has-conflicts" not in env.labels(number)
    env.fake.wait_until(
        lambda: "not known" not in env.check(number, "can-be-merged")["output"].get("text", ""), timeout=30
    )
    assert wait_for_end(env, number) == [("succeeded", "settled")]


@pytest.mark.parametrize("ending", ["merged", "closed", "pushed"])
async def test_closing_merging_or_pushing_stops_the_recheck_at_once(make_env: EnvFactory, ending: str) -> None:
    env = await make_env()
    number = await env.open_pr()
    env.fake.set_mergeable(env.repo, number, None)  # never settles: re-checked every 0.2 s (test schedule)
    env.fake.push(env.repo, "feature", {"a.py": "x = 2\n"}, author=AUTHOR)
    await env.forward("pull_request", "synchronize")
    [pending] = rechecks(env, number)
    assert pending.status in ("queued", "running")

    if ending == "pushed":
        env.fake.push(env.repo, "feature", {"a.py": "x = 3\n"}, author=AUTHOR)
        await env.forward("pull_request", "synchronize")
        old, new = rechecks(env, number)
        assert (old.status, old.error) == ("cancelled", f"head moved to {env.head_sha(number)[:7]}")
        assert new.head_sha == env.head_sha(number)
        assert new.status in ("queued", "running")
        return
    if ending == "merged":
        env.fake.merge(env.repo, number, author="alice", method="merge")
    else:
        env.fake.close(env.repo, number, author=AUTHOR)
    await env.forward("pull_request", "closed")

    [stopped] = rechecks(env, number)  # ended while the `closed` delivery ran
    assert (stopped.status, stopped.error) == ("cancelled", "pull request merged" if ending == "merged" else "closed")
    reads = pull_reads(env.fake, env.repo, number)
    await asyncio.sleep(1.0)  # five re-check periods of the test schedule
    assert pull_reads(env.fake, env.repo, number) == reads


async def test_a_pending_recheck_survives_a_restart(make_env: EnvFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(merge_state, "RECHECK_SCHEDULE", RecheckSchedule(fast_interval=3.0, limit=60.0))
    env = await make_env()
    number = await env.open_pr()
    env.fake.set_mergeable(env.repo, number, None)
    env.fake.push(env.repo, "feature", {"a.py": "x = 2\n"}, author=AUTHOR)
    await env.forward("pull_request", "synchronize")
    [before] = rechecks(env, number)

    env.stop()
    env.fake.set_mergeable(env.repo, number, False, "dirty")  # settles while the server is down
    env.start()

    env.fake.wait_until(lambda: "has-conflicts" in env.labels(number), timeout=30)
    assert wait_for_end(env, number) == [("succeeded", "settled")]
    assert [recheck.job_id for recheck in rechecks(env, number)] == [before.job_id]


async def test_a_mergeable_that_never_settles_is_given_up_with_labels_unchanged(
    make_env: EnvFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    schedule = RecheckSchedule(fast_interval=0.1, fast_window=0.2, slow_interval=0.2, limit=1.0)
    monkeypatch.setattr(merge_state, "RECHECK_SCHEDULE", schedule)
    env = await make_env()
    number = await env.open_pr()
    env.fake.add_label(env.repo, number, "needs-rebase", author=API_USER)
    env.fake.set_mergeable(env.repo, number, None)
    env.fake.push(env.repo, "feature", {"a.py": "x = 2\n"}, author=AUTHOR)
    await env.forward("pull_request", "synchronize")

    # the evaluation that also saw null may have asked again after the first re-check gave up
    assert set(wait_for_end(env, number)) == {("succeeded", "mergeable_unknown")}
    assert {"has-conflicts", "needs-rebase"} & env.labels(number) == {"needs-rebase"}
