"""Deliveries per second with 1 and with 3 worker replicas sharing one PostgreSQL ledger.

One PR per delivery, so every delivery is its own lane: `--deliveries` PRs are opened in the fake GitHub,
each gets one `pull_request.edited` (a new title; the server reads the repository config and the PR) and
the fake adds `--latency` seconds to every API call. Per run (K = each of `--workers`): a fresh database,
one `--role intake` process that receives every POST and K `--role worker` processes with their own data
dirs and `max-workers` slots each. All deliveries are posted at once (intake only records them); measured
from the first POST to the last delivery finished in the ledger (`completed_at`). Printed per run: the
rate, how many deliveries each replica ran (the `owner` column) and the CPU seconds of each process, so
a run bound by CPU rather than by worker slots shows; then the ratio of the last run to the first.

`max-workers` is 4 by default so that one worker is bound by its slots and the API latency, not by the CPU:
every delivery costs about 35 ms of CPU on this machine (the fake GitHub, one Python process in this one,
about 9 ms per API request, 2 per delivery; the worker about 13 ms; PostgreSQL and intake the rest), so three
workers of 10 slots would need more than the two shared cores (`--max-workers 10` shows it: the fake's mean
answer time rises far above the injected latency and the ratio falls to about 1.8).

Usage: `uv run python -m benchmarks.replica_throughput [--deliveries 600] [--workers 1 3] [--latency 0.1]`
"""

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.server import FakeGitHubServer
from webhook_server.tests.postgres_server import PostgresServer

from .scale_out import (
    Setup,
    cpu_meter,
    edit_deliveries,
    fake_traffic,
    load_average,
    owners_and_outcomes,
    post_all,
    prepare_repository,
    process_pids,
    replica_of,
    replica_use,
    start_cluster,
    wait_all_finished,
    wait_until_quiet,
)

POST_CONCURRENCY = 20


def run_once(args: argparse.Namespace, setup: Setup, workers: int) -> float:
    """One run with `workers` worker replicas; prints its figures and returns deliveries/s."""
    fake, token, postgres = setup.fake, setup.token, setup.postgres
    requests = edit_deliveries(fake, setup.numbers, 1, tag=f"k{workers}")
    url = postgres.create_database()
    run_root = setup.root / f"run-k{workers}"
    run_root.mkdir()
    root_keys = {"ledger-url": url, "max-workers": args.max_workers, "log-level": "INFO"}
    fake.clear_faults()
    cluster = start_cluster(run_root, fake, token, workers=workers, intake_role="intake", root_keys=root_keys)
    try:
        settled = wait_until_quiet(fake, cluster)
        fake.inject_latency(args.latency)
        with cpu_meter(process_pids(cluster, postgres.pid)) as cpu:
            first_post = datetime.now(UTC)
            started = time.perf_counter()
            post_all(cluster.intake_ports, requests, POST_CONCURRENCY)
            posted = time.perf_counter() - started
            progress = wait_all_finished(url, len(requests))
        traffic = fake_traffic(fake, first_post.timestamp())
        owners, outcomes = owners_and_outcomes(url)
        per_replica = {replica_of(owner, cluster): count for owner, count in owners.items()}
        use = {replica_of(owner, cluster): figures for owner, figures in replica_use(url).items()}
    finally:
        cluster.stop()
        fake.clear_faults()
    assert progress.last_completed is not None
    elapsed = (progress.last_completed - first_post).total_seconds()
    rate = len(requests) / elapsed
    print(f"workers {workers} replicas (max-workers {args.max_workers} each), startup settled in {settled:.1f} s")
    print(f"  posted {len(requests)} deliveries in {posted:.2f} s")
    print(f"  first_post_to_last_finished {elapsed:.2f} s")
    print(f"  throughput_k{workers} {rate:.1f} deliveries/s")
    print("  deliveries_per_replica " + " ".join(f"{name}={count}" for name, count in sorted(per_replica.items())))
    for name, figures in sorted(use.items()):
        print(
            f"  {name}: ran {figures.deliveries}, mean_busy_slots {figures.busy_seconds / elapsed:.1f},"
            f" mean_run {figures.busy_seconds / figures.deliveries:.2f} s, mean_wait {figures.mean_wait_seconds:.2f} s"
        )
    print("  outcomes " + " ".join(f"{name}={count}" for name, count in sorted(outcomes.items())))
    print(
        f"  fake_github {traffic.requests} requests, mean {traffic.mean_ms:.0f} ms (latency included),"
        f" {traffic.background} outside deliveries"
    )
    print(
        "  api_calls_per_delivery "
        + " ".join(f"{calls}:{count}" for calls, count in traffic.calls_per_delivery.items())
    )
    print("  cpu_seconds " + " ".join(f"{name}={seconds:.1f}" for name, seconds in cpu.items()))
    print(f"  load_average {load_average()}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=600, help="PRs, one delivery each")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3], help="worker replicas per run")
    parser.add_argument("--max-workers", type=int, default=4, help="max-workers of each replica (see the docstring)")
    parser.add_argument("--latency", type=float, default=0.1, help="fake GitHub latency per API call (s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, PostgresServer() as postgres:
        root = Path(tmp)
        fake_server = FakeGitHubServer(root / "fake")
        fake_server.start()
        try:
            fake = FakeGitHub(fake_server.backend)
            token, numbers = prepare_repository(fake, args.deliveries)
            print(f"latency_per_call {args.latency * 1000:.0f} ms")
            setup = Setup(root, fake, token, numbers, postgres)
            rates = [run_once(args, setup, workers) for workers in args.workers]
        finally:
            fake_server.stop()
    if len(rates) > 1:
        print(f"ratio_k{args.workers[-1]}_to_k{args.workers[0]} {rates[-1] / rates[0]:.2f} x")


if __name__ == "__main__":
    main()
