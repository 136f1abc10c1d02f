"""Acknowledgement latency of an intake-only process during a burst, while worker replicas process it.

`--deliveries` signed deliveries (`pull_request.edited` of `--pull-requests` PRs in the fake GitHub, round
after round: real PR work, the server reads the repository config and the PR) are posted at `--concurrency`
keep-alive connections to one `--role intake` process, while `--workers` `--role worker` processes on the
same PostgreSQL ledger process them against the fake (`--latency` seconds per API call). Then the same
burst (new deliveries) against a single `--role all` process (PostgreSQL ledger too by default, or the
default SQLite file with `--all-ledger sqlite`), which acknowledges and processes on one event loop.

The workers run at their configured `worker-niceness` (default 19). Emulations of a deployment where
intake does not share its CPU with processing: `--intakes N` posts round-robin to N intake processes
(replicas behind a load balancer); `--pin` keeps the intake on CPU 0 and the workers and the fake on CPU 1;
`--nice-workers` sets the workers' niceness afterwards, `--nice-fake` lowers the CPU priority of this
process (the fake GitHub, whose CPU is GitHub's in a real deployment).

Printed per setup (`name value unit`): ack p50/p90/p99/max, the burst's length, how many deliveries were
finished by the end of the burst, the CPU seconds of each process during the burst, and how long the
intake's event loop ran and how long it was ready but waiting for a CPU (taken by other processes).

Usage: `uv run python -m benchmarks.intake_role_latency [--deliveries 2000] [--concurrency 200] [--workers 2]`
"""

import argparse
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from webhook_server.tests.e2e.server_process import ServerProcess
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.server import FakeGitHubServer
from webhook_server.tests.postgres_server import PostgresServer

from .scale_out import (
    Cluster,
    Poster,
    Setup,
    cpu_meter,
    edit_deliveries,
    ledger_progress,
    load_average,
    main_thread_schedule,
    percentile,
    pin,
    prepare_repository,
    process_pids,
    renice,
    start_cluster,
    wait_until_quiet,
)

WARM_UP = 50


def burst_requests(args: argparse.Namespace, setup: Setup, tag: str) -> tuple[list[bytes], list[bytes]]:
    """Warm-up deliveries and the burst's, all new (each setup gets its own delivery ids)."""
    rounds = -(-args.deliveries // len(setup.numbers))
    warm_up = edit_deliveries(setup.fake, setup.numbers[:WARM_UP], 1, tag=f"{tag} warm-up")
    burst = edit_deliveries(setup.fake, setup.numbers, rounds, tag=tag)[: args.deliveries]
    return warm_up, burst


def measure(args: argparse.Namespace, setup: Setup, poster: Poster, *, intake_role: str) -> None:
    """Start the setup (`intake` + workers, or one `all`), post the burst, print its figures."""
    name = "intake_only" if intake_role == "intake" else "role_all"
    warm_up, burst = burst_requests(args, setup, name)
    url = setup.postgres.create_database()
    root_keys: dict[str, Any] = {"max-workers": args.max_workers, "log-level": "INFO"}
    sqlite = intake_role == "all" and args.all_ledger == "sqlite"
    if not sqlite:
        root_keys["ledger-url"] = url
    run_root = setup.root / name
    run_root.mkdir()
    workers = args.workers if intake_role == "intake" else 0
    setup.fake.clear_faults()
    intakes = args.intakes if intake_role == "intake" else 1
    cluster = start_cluster(
        run_root,
        setup.fake,
        setup.token,
        workers=workers,
        intake_role=intake_role,
        root_keys=root_keys,
        intakes=intakes,
    )
    try:
        settled = wait_until_quiet(setup.fake, cluster)
        if args.pin:
            pin_apart(cluster)
        if args.nice_workers:
            for worker in cluster.workers:
                renice(_pid_of(worker), args.nice_workers)
        if args.nice_fake:
            renice(os.getpid(), args.nice_fake, children=False)
        setup.fake.inject_latency(args.latency)
        poster.post(cluster.intake_ports, warm_up, min(args.concurrency, len(warm_up)))
        loop_before = main_thread_schedule(_pid_of(cluster.intake))
        with cpu_meter(process_pids(cluster, None if sqlite else setup.postgres.pid)) as cpu:
            measured = poster.post(cluster.intake_ports, burst, args.concurrency)
        loop_after = main_thread_schedule(_pid_of(cluster.intake))
        progress = None if sqlite else ledger_progress(url)
    finally:
        cluster.stop()
        setup.fake.clear_faults()
    ledger = "sqlite" if sqlite else "postgresql"
    latencies, elapsed = measured.latencies, measured.elapsed
    print(f"{name}: {intakes} --role {intake_role} process(es) + {workers} --role worker", end=" ")
    print(f"({ledger} ledger, max-workers {args.max_workers})")
    print(f"  startup_settled {settled:.1f} s")
    print(f"  {name}_ack_p50 {statistics.median(latencies):.2f} ms")
    print(f"  {name}_ack_p90 {percentile(latencies, 0.90):.2f} ms")
    print(f"  {name}_ack_p99 {percentile(latencies, 0.99):.2f} ms")
    print(f"  {name}_ack_max {max(latencies):.2f} ms")
    print(f"  {name}_burst {elapsed:.2f} s ({len(burst) / elapsed:.0f} deliveries/s)")
    if progress is not None:
        print(f"  ledger_after_burst recorded {progress.total}, finished {progress.finished} (warm-up included)")
    print("  cpu_seconds " + " ".join(f"{process}={seconds:.1f}" for process, seconds in cpu.items()), end=" ")
    print(f"poster={measured.poster_cpu:.1f}")
    on_cpu, waiting = (after - before for after, before in zip(loop_after, loop_before, strict=True))
    print(f"  intake_event_loop on_cpu {on_cpu:.2f} s, ready_but_waiting_for_a_cpu {waiting:.2f} s")
    print(f"  load_average {load_average()}")


def pin_apart(cluster: Cluster) -> None:
    """Emulate separate machines on two cores: the intake process on CPU 0; the workers and this process (the
    fake GitHub) on CPU 1. PostgreSQL and the posting process stay free."""
    pin(_pid_of(cluster.intake), {0})
    for worker in cluster.workers:
        pin(_pid_of(worker), {1})
    pin(os.getpid(), {1}, children=False)  # not the posting process (GitHub's side)


def _pid_of(server: ServerProcess) -> int:
    assert server.process is not None
    return server.process.pid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--pull-requests", type=int, default=200, help="PRs the deliveries edit, round after round")
    parser.add_argument("--intakes", type=int, default=1, help="intake-only processes, posted to round-robin")
    parser.add_argument("--workers", type=int, default=2, help="worker replicas beside the intake process")
    parser.add_argument("--max-workers", type=int, default=10, help="max-workers of each processing replica")
    parser.add_argument("--latency", type=float, default=0.05, help="fake GitHub latency per API call (s)")
    parser.add_argument("--all-ledger", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--pin", action="store_true", help="intake on CPU 0, workers and the fake on CPU 1")
    parser.add_argument("--nice-workers", type=int, default=0, help="niceness of the worker processes")
    parser.add_argument("--nice-fake", type=int, default=0, help="niceness of this process (the fake GitHub)")
    parser.add_argument("--skip-all", action="store_true", help="measure the intake-only setup alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, PostgresServer() as postgres:
        root = Path(tmp)
        poster = Poster()
        fake_server = FakeGitHubServer(root / "fake")
        fake_server.start()
        try:
            fake = FakeGitHub(fake_server.backend)
            token, numbers = prepare_repository(fake, max(args.pull_requests, WARM_UP))
            setup = Setup(root, fake, token, numbers, postgres)
            print(f"deliveries {args.deliveries} count, concurrency {args.concurrency} connections")
            print(f"latency_per_call {args.latency * 1000:.0f} ms")
            measure(args, setup, poster, intake_role="intake")
            if not args.skip_all:
                measure(args, setup, poster, intake_role="all")
        finally:
            poster.close()
            fake_server.stop()


if __name__ == "__main__":
    main()
