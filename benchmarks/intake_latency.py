"""Acknowledgement latency of `POST /webhook_server`: 1,000 signed deliveries, 50 in flight at a time.

Usage: `uv run python -m benchmarks.intake_latency [--deliveries 1000] [--concurrency 50]`
Prints one line per figure (`name value unit`), a stable format for comparing runs.
"""

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from benchmarks.server_process import ServerProcess, write_private_key
from webhook_server.utils.signature import sign_body

SECRET = "benchmark-secret"


def delivery_body(index: int) -> bytes:
    payload = {
        "action": "opened",
        "number": index,
        "pull_request": {"number": index, "title": f"change {index}"},
        "repository": {"name": "not-managed", "full_name": "bench-org/not-managed"},
        "sender": {"login": "octocat"},
    }
    return json.dumps(payload).encode()


async def send_all(base_url: str, deliveries: int, concurrency: int) -> list[float]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def send(index: int) -> None:
            body = delivery_body(index)
            headers = {
                "X-GitHub-Event": "pull_request",
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "X-Hub-Signature-256": sign_body(SECRET, body),
                "Content-Type": "application/json",
            }
            async with gate:
                started = time.perf_counter()
                response = await client.post("/webhook_server", content=body, headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"delivery {index} answered {response.status_code}: {response.text}")

        await asyncio.gather(*(send(index) for index in range(deliveries)))
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        write_private_key(data_dir)
        config = {
            "github-app-id": 1,
            "github-tokens": ["ghp_benchmark"],
            "webhook-secret": SECRET,
            "github-api-url": "http://127.0.0.1:9",
            "repositories": {"managed": {"name": "bench-org/managed"}},
        }
        server = ServerProcess(data_dir, config)
        server.start()
        try:
            asyncio.run(send_all(server.base_url, 50, args.concurrency))  # warm-up
            started = time.perf_counter()
            latencies = asyncio.run(send_all(server.base_url, args.deliveries, args.concurrency))
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
    print(f"deliveries {args.deliveries} count")
    print(f"concurrency {args.concurrency} requests")
    print(f"ack_p50 {statistics.median(latencies):.2f} ms")
    print(f"ack_p99 {percentile(latencies, 0.99):.2f} ms")
    print(f"ack_max {max(latencies):.2f} ms")
    print(f"throughput {args.deliveries / elapsed:.0f} deliveries/s")


if __name__ == "__main__":
    main()
