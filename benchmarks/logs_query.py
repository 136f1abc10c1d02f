"""Log viewer query time and memory over large JSONL logs, next to ``grep -c`` as the physical floor.

Usage: `uv run --group tests python -m benchmarks.logs_query [--size-gib 1] [--logs-dir DIR] [--runs 5]`
Generates synthetic logs (unless ``--logs-dir`` already holds some), serves them with the viewer in its
own process, and prints one line per figure (`name value unit`), a stable format for comparing runs.
"""

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from webhook_server.tests.logs.server_process import ServerProcess, viewer_process
from webhook_server.tests.logs.synthetic_logs import NEEDLE, generate


def timed(action: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls, in seconds."""
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def query(server: ServerProcess, **params: str | int) -> Callable[[], object]:
    def run() -> object:
        response = httpx.get(f"{server.url}/logs/api/entries", params=params, timeout=300)
        response.raise_for_status()
        return response.json()

    return run


def grep_count(files: list[Path]) -> Callable[[], object]:
    def run() -> object:
        return subprocess.run(["grep", "-c", NEEDLE, *map(str, files)], capture_output=True, check=False)

    return run


def report(name: str, value: float, unit: str) -> None:
    print(f"{name} {value:.3f} {unit}")


def measure(logs_dir: Path, runs: int) -> None:
    files = sorted(logs_dir.glob("webhooks_*.json"))
    total = sum(path.stat().st_size for path in files)
    report("log_bytes", total / 2**30, "GiB")
    grep_seconds = timed(grep_count(files), runs)
    with viewer_process(logs_dir) as server:
        newest = timed(query(server, limit=100), runs)
        search_once = query(server, search=NEEDLE, limit=100)
        body = search_once()
        search = timed(search_once, runs)
        filtered = timed(query(server, search="reviewers", repository="org/repo-3", level="info", limit=100), runs)
        peak = server.peak_rss()
    assert isinstance(body, dict)
    report("newest_100_seconds", newest, "s")
    report("text_search_seconds", search, "s")
    report("text_search_records_scanned", float(str(body["entries_processed"]).rstrip("+")), "records")
    report("filtered_search_seconds", filtered, "s")
    report("grep_c_seconds", grep_seconds, "s")
    report("text_search_vs_grep_ratio", search / grep_seconds, "x")
    report("newest_100_vs_grep_ratio", newest / grep_seconds, "x")
    report("server_peak_rss", peak / 2**20, "MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-gib", type=float, default=1.0)
    parser.add_argument("--logs-dir", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.logs_dir is not None:
        if not any(args.logs_dir.glob("webhooks_*.json")):
            generate(args.logs_dir, int(args.size_gib * 2**30))
        measure(args.logs_dir, args.runs)
        return
    with tempfile.TemporaryDirectory(prefix="logs-benchmark-") as scratch:
        generate(Path(scratch), int(args.size_gib * 2**30))
        measure(Path(scratch), args.runs)


if __name__ == "__main__":
    main()
