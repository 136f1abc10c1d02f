"""Shared parts of the scale-out benchmarks (`replica_throughput`, `intake_role_latency`): a repository with
many PRs in the fake GitHub, recorded (not sent) deliveries to post by hand, a cluster of server processes
(`--role intake|worker|all`) on one PostgreSQL ledger, raw keep-alive posting and CPU accounting.

Not a benchmark itself; `python -m benchmarks.<name>` runs the two that use it.
"""

import asyncio
import contextlib
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
import psycopg

from webhook_server.tests.e2e.harness import WEBHOOK_SECRET, server_config
from webhook_server.tests.e2e.server_process import ServerProcess, write_private_key
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.postgres_server import PostgresServer

REPO = "bench-org/service"
AUTHOR = "dave"
OWNERS = "approvers:\n  - alice\nreviewers:\n  - bob\n"
FINISHED = ("succeeded", "failed")
# No missed-delivery scan or drift reconciliation over the many open PRs: background work beside the measure
AUTO_HEAL_OFF = {"redeliver": False, "reconcile-interval-hours": 0}


def prepare_repository(fake: FakeGitHub, pull_requests: int) -> tuple[str, list[int]]:
    """A repository with `pull_requests` open PRs and a hook that records deliveries without sending them
    (the benchmark posts them itself). Returns the PAT for the server and the PR numbers."""
    fake.create_repo(
        REPO,
        {"OWNERS": OWNERS, "README.md": "service\n", "src/app.py": "print('hi')\n"},
        collaborators={"alice": "admin", "bob": "write", AUTHOR: "write", "bench-bot": "admin"},
    )
    fake.install_app(REPO)
    token = fake.create_token("bench-bot")
    with fake.webhooks_muted():
        numbers = [
            fake.open_pr(
                REPO,
                head=f"feature-{index}",
                base="main",
                title=f"feat: change {index}",
                author=AUTHOR,
                files={f"src/change_{index}.py": f"value = {index}\n"},
            )
            for index in range(pull_requests)
        ]
        for number in numbers:
            fake.pull(REPO, number)  # the fake computes (and keeps) each PR's mergeability with git now
    fake.register_hook(REPO, "", secret=WEBHOOK_SECRET, events=["*"])
    return token, numbers


def edit_deliveries(fake: FakeGitHub, numbers: Sequence[int], rounds: int, tag: str) -> list[bytes]:
    """`pull_request.edited` (a new title) `rounds` times per PR, round after round; returns each recorded
    delivery as a signed raw HTTP request. The server reads the repository config and the PR for each."""
    before = {delivery.guid for delivery in fake.deliveries()}
    for round_number in range(rounds):
        for number in numbers:
            fake.edit_pr(REPO, number, title=f"feat: change {number} ({tag} {round_number})", author=AUTHOR)
    recorded = [delivery for delivery in fake.deliveries() if delivery.guid not in before]
    return [raw_request(delivery.headers, delivery.body) for delivery in recorded]


def raw_request(headers: dict[str, str], body: bytes) -> bytes:
    """An HTTP/1.1 keep-alive POST of a recorded delivery (GitHub's headers and signature kept)."""
    lines = ["POST /webhook_server HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() not in ("host", "content-length")]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_status(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def _connection(port: int, requests: Sequence[bytes], latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for request in requests:
        started = time.perf_counter()
        writer.write(request)
        await writer.drain()
        status = await _read_status(reader)
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"intake answered {status}")
    writer.close()
    await writer.wait_closed()


async def _post_all(ports: Sequence[int], requests: Sequence[bytes], concurrency: int) -> list[float]:
    latencies: list[float] = []
    shares = [requests[worker::concurrency] for worker in range(concurrency)]
    connections = (_connection(ports[index % len(ports)], share, latencies) for index, share in enumerate(shares))
    await asyncio.gather(*connections)
    return latencies


def post_all(ports: Sequence[int], requests: Sequence[bytes], concurrency: int) -> list[float]:
    """POST every request over `concurrency` keep-alive connections, spread round-robin over `ports` (a raw
    client: httpx's pool would be the bottleneck); returns each acknowledgement latency in ms. Any answer but
    200 raises."""
    return asyncio.run(_post_all(ports, requests, concurrency))


@dataclass(frozen=True)
class Burst:
    """What the posting process measured: each acknowledgement's latency (ms), the burst's length (s) and the
    CPU seconds the poster itself spent (near the burst's length, the client and not the server is the limit)."""

    latencies: list[float]
    elapsed: float
    poster_cpu: float


def timed_post_all(ports: Sequence[int], requests: Sequence[bytes], concurrency: int) -> Burst:
    """`post_all`, timed."""
    started, cpu_started = time.perf_counter(), time.process_time()
    latencies = post_all(ports, requests, concurrency)
    return Burst(latencies, time.perf_counter() - started, time.process_time() - cpu_started)


class Poster:
    """Posts from a process of its own: in this one, the fake GitHub (busy answering the workers) would hold
    the GIL and delay the client, inflating the latencies measured."""

    def __init__(self) -> None:
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self._pool.submit(int).result()  # started now: it does not inherit a CPU pinning made later

    def post(self, ports: Sequence[int], requests: Sequence[bytes], concurrency: int) -> Burst:
        """Acknowledgement latencies, the burst's length and the poster's CPU, measured in the posting process."""
        return self._pool.submit(timed_post_all, list(ports), list(requests), concurrency).result()

    def close(self) -> None:
        self._pool.shutdown()


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Setup:
    """What every run of a benchmark shares: the fake GitHub with its PRs, the PostgreSQL server, a scratch
    directory."""

    root: Path
    fake: FakeGitHub
    token: str
    numbers: list[int]
    postgres: PostgresServer


@dataclass
class Cluster:
    """Server processes sharing one ledger: `intake` receives the POSTs (it may be a `--role all` process),
    with `more_intakes` beside it behind round-robin posting; `workers` only process."""

    intake: ServerProcess
    intake_role: str
    workers: list[ServerProcess] = field(default_factory=list)
    more_intakes: list[ServerProcess] = field(default_factory=list)

    @property
    def intakes(self) -> list[ServerProcess]:
        return [self.intake, *self.more_intakes]

    @property
    def intake_ports(self) -> list[int]:
        return [server.port for server in self.intakes]

    @property
    def processes(self) -> list[ServerProcess]:
        return [*self.intakes, *self.workers]

    def stop(self) -> None:
        """SIGTERM to all, then wait for each (a graceful stop: running lane phases end, queued work stays)."""
        for server in self.processes:
            if server.process is not None and server.process.poll() is None:
                server.process.terminate()
        for server in self.processes:
            server.stop()


def _server(
    root: Path, name: str, fake: FakeGitHub, token: str, *, root_keys: dict[str, Any], role: str
) -> ServerProcess:
    data_dir = root / name
    data_dir.mkdir()
    write_private_key(data_dir, fake.app_private_key_pem)
    config = server_config(fake.base_url, [token], fake.app_id, {"service": {"name": REPO}}, **root_keys)
    config["auto-heal"] = AUTO_HEAL_OFF
    return ServerProcess(data_dir, config, args=["--role", role])


def start_cluster(
    root: Path,
    fake: FakeGitHub,
    token: str,
    *,
    workers: int,
    intake_role: str,
    root_keys: dict[str, Any],
    intakes: int = 1,
) -> Cluster:
    """Start `intakes` intake processes (`intake_role`: `intake` or `all`) and `workers` `--role worker`
    processes, each with its own data dir under `root` and the same `root_keys` (`ledger-url`, `max-workers`...)."""
    cluster = Cluster(_server(root, "intake", fake, token, root_keys=root_keys, role=intake_role), intake_role)
    cluster.more_intakes = [
        _server(root, f"intake-{index}", fake, token, root_keys=root_keys, role=intake_role)
        for index in range(2, intakes + 1)
    ]
    cluster.workers = [
        _server(root, f"worker-{index}", fake, token, root_keys=root_keys, role="worker")
        for index in range(1, workers + 1)
    ]
    try:
        for server in cluster.processes:
            server.start(timeout=60)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _bootstrapped(server: ServerProcess) -> bool:
    """Whether the process logged the end of its startup bootstrap of the repository."""
    line = f"Bootstrap {REPO}:"
    return any(line in path.read_text(errors="replace") for path in server.data_dir.rglob("*.log"))


def wait_until_quiet(
    fake: FakeGitHub, cluster: Cluster, *, quiet_seconds: float = 3.0, timeout: float = 180.0
) -> float:
    """Wait until every processing replica logged the end of its startup bootstrap, then until the servers
    made no GitHub request for `quiet_seconds`; returns the seconds waited."""
    started = time.monotonic()
    processing = [*cluster.workers, *([cluster.intake] if cluster.intake_role == "all" else [])]
    while not all(_bootstrapped(server) for server in processing):
        if time.monotonic() - started > timeout:
            raise TimeoutError("the startup bootstrap did not end")
        time.sleep(0.2)
    count, since = -1, time.monotonic()
    while time.monotonic() - started < timeout:
        current = len(fake.request_log)
        if current != count:
            count, since = current, time.monotonic()
        elif time.monotonic() - since >= quiet_seconds:
            return time.monotonic() - started
        time.sleep(0.2)
    raise TimeoutError("the servers kept calling GitHub: startup did not settle")


@dataclass
class LedgerProgress:
    """How far the deliveries of a run got, read from the shared ledger."""

    total: int
    finished: int
    last_completed: datetime | None


def ledger_progress(url: str) -> LedgerProgress:
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE status IN ('succeeded', 'failed')), MAX(completed_at)"
            " FROM deliveries"
        ).fetchone()
    assert row is not None
    last = row[2]
    if isinstance(last, str):
        last = datetime.fromisoformat(last)
    return LedgerProgress(total=int(row[0]), finished=int(row[1]), last_completed=last)


def wait_all_finished(url: str, expected: int, timeout: float = 900.0) -> LedgerProgress:
    """Poll the ledger until `expected` deliveries are recorded and all of them finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = ledger_progress(url)
        if progress.total >= expected and progress.finished == progress.total:
            return progress
        time.sleep(0.1)
    raise TimeoutError(f"deliveries not finished after {timeout} s: {ledger_progress(url)}")


def owners_and_outcomes(url: str) -> tuple[dict[str, int], dict[str, int]]:
    """Deliveries per owner (replica id) and per status/outcome."""
    with psycopg.connect(url) as connection:
        owners = connection.execute("SELECT COALESCE(owner, '-'), COUNT(*) FROM deliveries GROUP BY 1").fetchall()
        outcomes = connection.execute(
            "SELECT status || ':' || COALESCE(outcome, '-'), COUNT(*) FROM deliveries GROUP BY 1"
        ).fetchall()
    return {str(key): int(count) for key, count in owners}, {str(key): int(count) for key, count in outcomes}


@dataclass
class ReplicaUse:
    """What one replica did in a run: deliveries run, and the seconds they spent from start to finish."""

    deliveries: int
    busy_seconds: float
    mean_wait_seconds: float


def replica_use(url: str) -> dict[str, ReplicaUse]:
    """Per owner (replica id): deliveries, their summed `started_at`..`completed_at` (divided by the run's
    length: the mean number of busy slots) and their mean wait from `received_at` to `started_at`."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT COALESCE(owner, '-'), received_at, started_at, completed_at FROM deliveries"
            " WHERE started_at IS NOT NULL AND completed_at IS NOT NULL"
        ).fetchall()
    use: dict[str, list[tuple[float, float]]] = {}
    for owner, received, started, completed in rows:
        start, end, arrival = (datetime.fromisoformat(str(value)) for value in (started, completed, received))
        use.setdefault(str(owner), []).append(((end - start).total_seconds(), (start - arrival).total_seconds()))
    return {
        owner: ReplicaUse(len(items), sum(run for run, _ in items), sum(wait for _, wait in items) / len(items))
        for owner, items in use.items()
    }


@dataclass
class FakeTraffic:
    """The API requests the fake answered during a run."""

    requests: int
    mean_ms: float  # injected latency included: above it, the fake (one Python process) or the machine is slow
    background: int  # made outside any delivery (bootstrap, auto-heal)
    calls_per_delivery: dict[int, int]  # how many deliveries made that many calls (a re-run shows as more)


def fake_traffic(fake: FakeGitHub, since: float) -> FakeTraffic:
    """What the fake answered since `since` (epoch seconds)."""
    records = [record for record in fake.request_log if record.time >= since and record.kind != "git"]
    per_delivery = Counter(record.delivery for record in records if record.delivery)
    mean_ms = 1000 * sum(record.duration for record in records) / len(records) if records else 0.0
    return FakeTraffic(
        requests=len(records),
        mean_ms=mean_ms,
        background=sum(1 for record in records if not record.delivery),
        calls_per_delivery=dict(sorted(Counter(per_delivery.values()).items())),
    )


def replica_of(owner: str, cluster: Cluster) -> str:
    """`worker-2` for a replica id `host-<pid>-<hex>` of the cluster's second worker."""
    names = {"intake": cluster.intake, **{f"worker-{i}": w for i, w in enumerate(cluster.workers, start=1)}}
    for name, server in names.items():
        if server.process is not None and f"-{server.process.pid}-" in owner:
            return name
    return owner


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, of its children that ended (git commands, PostgreSQL backends
    of closed connections) and of its live descendants, so far."""
    try:
        process = psutil.Process(pid)
        own = process.cpu_times()
        children = process.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0.0
    live = 0.0
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):  # it ended meanwhile
            times = child.cpu_times()
            live += times.user + times.system
    return own.user + own.system + own.children_user + own.children_system + live


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of its children that ended (the fake's git commands), not of the
    server processes it started (metered apart)."""
    times = psutil.Process().cpu_times()
    return times.user + times.system + times.children_user + times.children_system


BENCH_PROCESS = "bench+fake"  # this process: the fake GitHub (with its git commands) and the poster


@contextmanager
def cpu_meter(pids: dict[str, int]) -> Iterator[dict[str, float]]:
    """CPU seconds each named process used inside the block (filled in on exit)."""

    def sample() -> dict[str, float]:
        return {name: own_cpu_seconds() if name == BENCH_PROCESS else cpu_seconds(pid) for name, pid in pids.items()}

    before = sample()
    used: dict[str, float] = {}
    try:
        yield used
    finally:
        after = sample()
        used.update({name: after[name] - before[name] for name in pids})


def main_thread_schedule(pid: int) -> tuple[float, float]:
    """Seconds the process's main thread (the event loop) has run on a CPU and has waited, ready, for one
    (`/proc/PID/schedstat`): a ready loop that waits is losing the CPU to other processes."""
    on_cpu, waiting, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def process_pids(cluster: Cluster, postgres_pid: int | None) -> dict[str, int]:
    """The pids to meter: each server process, PostgreSQL (postmaster and its backends), this process."""
    pids = {"intake": _pid(cluster.intake)}
    pids.update({f"intake-{index}": _pid(server) for index, server in enumerate(cluster.more_intakes, start=2)})
    pids.update({f"worker-{index}": _pid(worker) for index, worker in enumerate(cluster.workers, start=1)})
    if postgres_pid is not None:
        pids["postgres"] = postgres_pid
    pids[BENCH_PROCESS] = psutil.Process().pid
    return pids


def _pid(server: ServerProcess) -> int:
    assert server.process is not None
    return server.process.pid


def _threads(pid: int, *, children: bool) -> Iterator[int]:
    """The thread ids of a process and, with `children`, of its descendants."""
    process = psutil.Process(pid)
    for member in (process, *(process.children(recursive=True) if children else ())):
        yield from (thread.id for thread in member.threads())


def pin(pid: int, cpus: set[int], *, children: bool = True) -> None:
    """Run every thread of a process (and of its children) on `cpus` only (threads made later inherit it)."""
    for thread in _threads(pid, children=children):
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(thread, cpus)


def renice(pid: int, niceness: int, *, children: bool = True) -> None:
    """Lower the CPU priority of every thread of a process (and of its children) to `niceness`."""
    for thread in _threads(pid, children=children):
        with contextlib.suppress(ProcessLookupError):
            os.setpriority(os.PRIO_PROCESS, thread, niceness)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` shows them."""
    one, five, fifteen = psutil.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"
