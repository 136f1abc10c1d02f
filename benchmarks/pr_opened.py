"""Time a `pull_request.opened` delivery end to end against the fake GitHub with API latency.

The server runs as a real process (`entrypoint.py`); the fake GitHub (in this process) adds `--latency`
seconds to every API call and sends the delivery itself, like GitHub, to the registered hook. Measured:
from the delivery being sent to the last GitHub write made for it, the number of API calls it made
(reads and writes), and the delivery's `token_spend` from the server's own summary.

`--scenario` runs a PR's whole life instead (opened → synchronize → /lgtm → approving review → /verified →
merged, `webhook_server/tests/e2e/pr_scenario.py`) with a hook for every event, so the deliveries the
server's own writes cause are processed too, and prints per step: the API calls and writes of the
action's delivery, the time from that delivery being sent to its last write, and the follow-up
deliveries with their calls. `--show-calls` lists each call of the action's delivery.

Usage: `uv run python -m benchmarks.pr_opened [--latency 0.05] [--scenario [--show-calls]]`
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from webhook_server.tests.e2e.harness import WEBHOOK_SECRET, read_delivery, read_summaries, server_config
from webhook_server.tests.e2e.pr_scenario import StepResult, prepare_repository, run_scenario
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


def _print_scenario(results: list[StepResult], latency: float, show_calls: bool) -> None:
    print(f"latency_per_call {latency * 1000:.0f} ms")
    for result in results:
        print(
            f"{result.name} api_calls {result.calls} writes {result.main.writes}"
            f" step_api_calls {result.step_calls} followups {len(result.followups)}"
            f" to_last_write {result.seconds_to_last_write:.2f} s"
        )
        if show_calls:
            for delivery in (result.main, *result.followups):
                print(f"  {delivery.event}.{delivery.action}: {len(delivery.calls)}")
                for call in delivery.described(since=result.sent_at):
                    print(f"    {call}")
    print(f"total api_calls {sum(result.step_calls for result in results)}")


def scenario(args: argparse.Namespace) -> None:
    """Run the whole PR scenario against a server process and print calls and time per delivery."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fake_server = FakeGitHubServer(root / "fake")
        fake_server.start()
        fake = FakeGitHub(fake_server.backend)
        token = fake.create_token("bench-bot")
        prepare_repository(fake, REPO, "bench-bot")
        data_dir = root / "data"
        data_dir.mkdir()
        write_private_key(data_dir, fake.app_private_key_pem)
        repositories = {"service": {"name": REPO, "minimum-lgtm": 1}}
        config = server_config(fake.base_url, [token], fake.app_id, repositories, log_level="INFO")
        server = ServerProcess(data_dir, config)
        server.start()
        try:
            time.sleep(args.settle)
            fake.register_hook(REPO, f"{server.base_url}/webhook_server", secret=WEBHOOK_SECRET, events=["*"])
            fake.clear_request_log()
            fake.inject_latency(args.latency)
            results = run_scenario(fake, data_dir, REPO)
        finally:
            server.stop()
            fake_server.stop()
    _print_scenario(results, args.latency, args.show_calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--settle", type=float, default=25.0, help="seconds to wait after startup")
    parser.add_argument("--scenario", action="store_true", help="the whole PR life, calls and time per step")
    parser.add_argument("--show-calls", action="store_true", help="with --scenario: list every call")
    args = parser.parse_args()
    if args.scenario:
        scenario(args)
        return
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
