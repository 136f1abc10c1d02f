"""Time a `pull_request.opened` delivery end to end against the fake GitHub with API latency.

The server runs as a real process (`entrypoint.py`); the fake GitHub (in this process) adds `--latency`
seconds to every API call and sends the delivery itself, like GitHub, to the registered hook. Measured:
from the delivery being sent to the last GitHub write made for it, the number of API calls it made
(reads and writes), and the delivery's `token_spend` from the server's own summary.

Usage: `uv run python -m benchmarks.pr_opened [--latency 0.05]`
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from webhook_server.tests.e2e.harness import WEBHOOK_SECRET, read_delivery, read_summaries, server_config
from webhook_server.tests.e2e.server_process import ServerProcess, write_private_key
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.server import FakeGitHubServer

REPO = "bench-org/service"
OWNERS = "approvers:\n  - alice\nreviewers:\n  - bob\n"


def _prepare(fake: FakeGitHub) -> str:
    fake.create_repo(
        REPO,
        {"OWNERS": OWNERS, "README.md": "service\n", "src/app.py": "print('hi')\n"},
        collaborators={"alice": "admin", "bob": "write", "carol": "write", "bench-bot": "admin"},
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
            # Let the startup bootstrap finish and the write pacer's burst refill (GitHub's guidance: 80
            # content-creating requests per minute; bootstrap spends the burst on labels).
            time.sleep(args.settle)
            fake.register_hook(
                REPO, f"{server.base_url}/webhook_server", secret=WEBHOOK_SECRET, events=["pull_request"]
            )
            fake.clear_request_log()
            fake.inject_latency(args.latency)
            fake.open_pr(
                REPO, head="feature", base="main", title="feat: add x", author="carol", files={"src/x.py": "x = 1\n"}
            )
            fake.wait_for_deliveries_sent()
            delivery = fake.deliveries("pull_request", action="opened")[-1]
            _wait_finished(data_dir, delivery.guid)
        finally:
            server.stop()
            fake_server.stop()
        calls = fake.calls(delivery=delivery.guid)
        writes = [call for call in calls if call.method != "GET"]
        summary = next(record for record in read_summaries(data_dir) if record["hook_id"] == delivery.guid)
    last_write = max(call.time + call.duration for call in writes)
    assert delivery.sent_at is not None
    print(f"latency_per_call {args.latency * 1000:.0f} ms")
    print(f"end_to_end {(last_write - delivery.sent_at):.2f} s")
    print(f"api_calls {len(calls)} requests")
    print(f"api_writes {len(writes)} requests")
    print(f"token_spend {summary['token_spend']} requests")
    print(f"status {summary['status']}")
    print("steps " + json.dumps({name: step.get("duration_ms") for name, step in summary["workflow_steps"].items()}))


if __name__ == "__main__":
    main()
