"""Time how fast one PR's lane drains after a burst: push, `/lgtm`, an approving review, `/verified`, merge.

The server runs as a real process (`entrypoint.py`); the fake GitHub (in this process) adds `--latency`
seconds to every API call, reports `mergeable: null` after the push (GitHub computes it for seconds; a
merged PR keeps it null) and sends the deliveries itself, like GitHub, to the registered hook.
Measured from the ledger: for each delivery of the burst, how long it waited for its lane and how long it
stayed `running`; and the drain time from the last delivery's arrival: until every lane phase had started
(`drain_started`), until every lane phase had ended (`drain_lane`, from the summaries) and until every
delivery was finished (`drain_finished`: followups included, which wait for the coalesced evaluation).

Usage: `uv run python -m benchmarks.pr_burst [--latency 0.05]`
"""

import argparse
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from webhook_server.tests.e2e.harness import WEBHOOK_SECRET, read_delivery, read_summaries, server_config
from webhook_server.tests.e2e.server_process import ServerProcess, write_private_key
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.server import FakeGitHubServer

REPO = "bench-org/service"
OWNERS = "approvers:\n  - alice\nreviewers:\n  - bob\n  - carol\n"
EVENTS = ["pull_request", "issue_comment", "pull_request_review"]
EVALUATION_STEP = "check_merge_eligibility"  # the coalesced evaluation runs after the lane phase


def _prepare(fake: FakeGitHub) -> str:
    fake.create_repo(
        REPO,
        {"OWNERS": OWNERS, "README.md": "service\n", "src/app.py": "print('hi')\n"},
        collaborators={"alice": "admin", "bob": "write", "carol": "write", "dave": "write", "bench-bot": "admin"},
    )
    fake.install_app(REPO)
    return fake.create_token("bench-bot")


def _wait_finished(data_dir: Path, delivery: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = read_delivery(data_dir, delivery)
        if row is not None and row.status in ("succeeded", "failed"):
            return
        time.sleep(0.05)
    raise TimeoutError(delivery)


def _times(data_dir: Path, delivery: str) -> tuple[str, datetime, datetime, datetime]:
    with sqlite3.connect(data_dir / "webhook-ledger.sqlite3", timeout=10) as connection:
        row = connection.execute(
            "SELECT event || '.' || COALESCE(action, ''), received_at, started_at, completed_at"
            " FROM deliveries WHERE delivery_id = ?",
            (delivery,),
        ).fetchone()
    name, received, started, completed = row
    return name, datetime.fromisoformat(received), datetime.fromisoformat(started), datetime.fromisoformat(completed)


def _lane_phase_end(data_dir: Path, delivery: str) -> datetime:
    """When the delivery's last lane-phase step ended, from its summary (the coalesced evaluation excluded)."""
    [summary] = [record for record in read_summaries(data_dir) if record["hook_id"] == delivery]
    return max(
        datetime.fromisoformat(step["timestamp"]) + timedelta(milliseconds=step["duration_ms"] or 0)
        for name, step in summary["workflow_steps"].items()
        if not name.startswith(EVALUATION_STEP)
    )


def _burst(fake: FakeGitHub, number: int) -> None:
    """Five user actions within half a second, like a busy repository."""
    fake.set_mergeable(REPO, number, None)  # GitHub is computing it after the push
    fake.push(REPO, "feature", {"src/x.py": "x = 2\n"}, author="dave")
    fake.comment(REPO, number, "/lgtm", author="bob")
    fake.review(REPO, number, author="carol", state="APPROVE", body="")
    fake.comment(REPO, number, "/verified", author="alice")
    fake.merge(REPO, number, author="alice", method="squash")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--settle", type=float, default=25.0, help="seconds to wait after startup")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fake_server = FakeGitHubServer(root / "fake")
        fake_server.start()
        fake = FakeGitHub(fake_server.backend)
        token = _prepare(fake)
        data_dir = root / "data"
        data_dir.mkdir()
        write_private_key(data_dir, fake.app_private_key_pem)
        config = server_config(fake.base_url, [token], fake.app_id, {"service": {"name": REPO}}, log_level="INFO")
        server = ServerProcess(data_dir, config)
        server.start()
        try:
            time.sleep(args.settle)  # bootstrap done, write pacer refilled (see pr_opened.py)
            fake.register_hook(REPO, f"{server.base_url}/webhook_server", secret=WEBHOOK_SECRET, events=EVENTS)
            fake.inject_latency(args.latency)
            number = fake.open_pr(
                REPO, head="feature", base="main", title="feat: add x", author="dave", files={"src/x.py": "x = 1\n"}
            )
            fake.wait_for_deliveries_sent()
            for delivery in fake.deliveries():
                _wait_finished(data_dir, delivery.guid)
            already = {delivery.guid for delivery in fake.deliveries()}
            _burst(fake, number)
            fake.wait_for_deliveries_sent()
            burst = [delivery.guid for delivery in fake.deliveries() if delivery.guid not in already]
            for guid in burst:
                _wait_finished(data_dir, guid)
            rows = [_times(data_dir, guid) for guid in burst]
            lane_ends = [_lane_phase_end(data_dir, guid) for guid in burst]
        finally:
            server.stop()
            fake_server.stop()
    last_arrival = max(received for _, received, _, _ in rows)
    first_arrival = min(received for _, received, _, _ in rows)
    print(f"latency_per_call {args.latency * 1000:.0f} ms")
    print(f"deliveries {len(rows)} within {(last_arrival - first_arrival).total_seconds():.2f} s")
    for name, received, started, completed in rows:
        waited = (started - received).total_seconds()
        ran = (completed - started).total_seconds()
        print(f"  {name:<32} lane_wait {waited:6.2f} s  running {ran:6.2f} s")
    drain_started = max((started - last_arrival).total_seconds() for _, _, started, _ in rows)
    drain_lane = max((end - last_arrival).total_seconds() for end in lane_ends)
    drain_finished = max((completed - last_arrival).total_seconds() for _, _, _, completed in rows)
    print(f"drain_started {drain_started:.2f} s")
    print(f"drain_lane {drain_lane:.2f} s")
    print(f"drain_finished {drain_finished:.2f} s")


if __name__ == "__main__":
    main()
