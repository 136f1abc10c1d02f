"""Cost of auto-heal against the fake GitHub: recovering deliveries missed during a downtime, and one drift
reconciliation round over open pull requests.

The server runs in this process (uvicorn thread, `webhook-ip` pointing at itself, so the fake delivers to
it through the hook bootstrap creates). It is stopped, `--prs` PRs are opened while it is down (their
deliveries fail), and it is started again. Measured: time from the restart until every missed delivery
was processed, the API calls the scans made (listing, redelivery requests), then a reconciliation round
over all open PRs: its duration, reads per PR, and writes (0 expected: nothing drifted). GitHub's write
pacing is relaxed (as in the tests), so times show the server's own work, not the 80 writes/minute cap.

Usage: `uv run python -m benchmarks.auto_heal [--prs 10] [--latency 0.02]`
"""

import argparse
import tempfile
import time
from pathlib import Path

from webhook_server.libs.autoheal import service
from webhook_server.libs.github import transport
from webhook_server.libs.github.pacer import PacerLimits
from webhook_server.tests.e2e.harness import InProcessServer, free_port, read_delivery, server_config, write_data_dir
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.server import FakeGitHubServer

REPO = "bench-org/service"
OWNERS = "approvers:\n  - alice\nreviewers:\n  - bob\n"


def _prepare(fake: FakeGitHub) -> str:
    fake.create_user("bench-org", type="Organization")
    fake.create_repo(
        REPO,
        {"OWNERS": OWNERS, "README.md": "service\n"},
        collaborators={"alice": "admin", "bob": "write", "carol": "write", "bench-bot": "admin"},
    )
    fake.install_app(REPO)
    return fake.create_token("bench-bot")


def _wait(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(what)


def _all_processed(data_dir: Path, guids: list[str]) -> bool:
    rows = [read_delivery(data_dir, guid) for guid in guids]
    return all(row is not None and row.status in ("succeeded", "failed") for row in rows)


def _run(args: argparse.Namespace, root: Path) -> None:
    fake_server = FakeGitHubServer(root / "fake")
    fake_server.start()
    fake = FakeGitHub(fake_server.backend)
    token = _prepare(fake)
    data_dir, port = root / "data", free_port()
    config = server_config(
        fake.base_url,
        [token],
        fake.app_id,
        {"service": {"name": REPO}},
        webhook_ip=f"http://127.0.0.1:{port}/webhook_server",
        log_level="INFO",
    )
    # one scan at startup; a reconciliation after the gap, then every 18 s
    config["auto-heal"] = {"interval-minutes": 60, "reconcile-interval-hours": 0.005}
    write_data_dir(data_dir, config, fake.app_private_key_pem)
    process = InProcessServer(data_dir, port=port)
    try:
        process.start()
        process.stop()
        for index in range(args.prs):
            fake.open_pr(REPO, head=f"f{index}", title=f"feat: {index}", author="carol", files={f"m{index}.py": "x\n"})
        fake.wait_for_deliveries_sent(timeout=120)
        missed = [delivery.guid for delivery in fake.deliveries() if delivery.status_code is None]
        fake.clear_request_log()
        fake.inject_latency(args.latency)
        restarted = time.monotonic()
        running = process.start()
        _wait(lambda: _all_processed(data_dir, missed), 600, "missed deliveries processed")
        recovered = time.monotonic() - restarted
        scan_calls = [call for call in fake.calls() if "/deliveries" in call.path or call.path.startswith("/app/hook")]
        asked = [call for call in scan_calls if call.method == "POST"]
        auto_heal = running.runtime.auto_heal
        _wait(lambda: auto_heal.reconciliations >= 1, 600, "the reconciliation after the gap")
        rounds = auto_heal.reconciliations
        fake.clear_request_log()
        _wait(lambda: auto_heal.reconciliations >= rounds + 1, 600, "one periodic reconciliation")
        round_seconds = auto_heal.last_round_seconds
        reads = fake.calls("GET")
        writes = fake.calls(writes_only=True)
    finally:
        process.stop()
        fake_server.stop()
    print(f"latency_per_call {args.latency * 1000:.0f} ms")
    print(f"missed_deliveries {len(missed)} deliveries")
    print(f"recovery_after_restart {recovered:.2f} s")
    print(f"scan_requests {len(scan_calls)} requests")
    print(f"redeliveries_requested {len(asked)} requests")
    print(f"reconcile_round {round_seconds:.2f} s")
    print(f"reconcile_reads_per_pr {len(reads) / args.prs:.1f} requests")
    print(f"reconcile_writes {len(writes)} requests")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prs", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    transport.PACER.limits = PacerLimits(writes_per_minute=60_000.0, write_burst=1000)
    service.GAP_RECONCILE_DELAY_SECONDS = 1.0
    with tempfile.TemporaryDirectory() as tmp:
        _run(args, Path(tmp))


if __name__ == "__main__":
    main()
