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

from webhook_server.tests.e2e.server_process import ServerProcess, write_private_key
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


def request_bytes(index: int) -> bytes:
    """One signed HTTP/1.1 keep-alive POST of a delivery."""
    body = delivery_body(index)
    head = (
        "POST /webhook_server HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-GitHub-Event: pull_request\r\nX-GitHub-Delivery: {uuid.uuid4()}\r\n"
        f"X-Hub-Signature-256: {sign_body(SECRET, body)}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def connection_worker(port: int, indexes: list[int], latencies: list[float]) -> None:
    """One keep-alive connection sending its share of deliveries one after another."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for index in indexes:
        request = request_bytes(index)
        started = time.perf_counter()
        writer.write(request)
        await writer.drain()
        status = await read_response(reader)
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"delivery {index} answered {status}")
    writer.close()
    await writer.wait_closed()


async def send_all(port: int, deliveries: int, concurrency: int) -> list[float]:
    """Keep `concurrency` deliveries in flight over as many keep-alive connections (a raw client:
    httpx's pool, not the server, is the bottleneck at this rate)."""
    latencies: list[float] = []
    shares = [list(range(worker, deliveries, concurrency)) for worker in range(concurrency)]
    await asyncio.gather(*(connection_worker(port, share, latencies) for share in shares))
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
            asyncio.run(send_all(server.port, 50, args.concurrency))  # warm-up
            started = time.perf_counter()
            latencies = asyncio.run(send_all(server.port, args.deliveries, args.concurrency))
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
    print(f"deliveries {args.deliveries} count")
    print(f"concurrency {args.concurrency} requests")
    print(f"ack_p50 {statistics.median(latencies):.2f} ms")
    print(f"ack_p90 {percentile(latencies, 0.90):.2f} ms")
    print(f"ack_p99 {percentile(latencies, 0.99):.2f} ms")
    print(f"ack_max {max(latencies):.2f} ms")
    print(f"throughput {args.deliveries / elapsed:.0f} deliveries/s")


if __name__ == "__main__":
    main()
