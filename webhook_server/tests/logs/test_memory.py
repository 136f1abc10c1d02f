"""1 GiB of synthetic JSONL logs queried through the real server process: peak RSS stays under 200 MB."""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from webhook_server.tests.logs.server_process import ServerProcess, viewer_process
from webhook_server.tests.logs.synthetic_logs import NEEDLE, generate

ONE_GIB = 1 << 30
MAX_PEAK_RSS = 200 * 1024 * 1024


def get(server: ServerProcess, path: str, **params: Any) -> httpx.Response:
    response = httpx.get(f"{server.url}{path}", params=params, timeout=120)
    assert response.status_code == 200, (path, params, response.text[:300])
    return response


@pytest.mark.slow
def test_one_gib_of_logs_in_bounded_memory() -> None:
    with tempfile.TemporaryDirectory(prefix="viewer-memory-") as scratch:
        logs = generate(Path(scratch), ONE_GIB)
        assert logs.total_bytes >= ONE_GIB
        with viewer_process(Path(scratch)) as server:
            newest = get(server, "/logs/api/entries", limit=100).json()
            assert newest["entries"][0]["hook_id"] == logs.newest_hook_id
            assert newest["entries_processed"] == 100

            needles = get(server, "/logs/api/entries", search=NEEDLE.upper(), limit=100).json()
            assert needles["is_partial_scan"] is True
            assert needles["entries_processed"] == "500000+"
            assert all(NEEDLE in entry["message"] for entry in needles["entries"])

            errors = get(server, "/logs/api/entries", level="error", repository="org/repo-10", limit=10000).json()
            assert {entry["level"] for entry in errors["entries"]} == {"ERROR"}

            export = get(server, "/logs/api/export", limit=50000)
            assert export.json()["export_metadata"]["total_entries"] == 50000

            deadline = time.monotonic() + 45
            while (
                httpx.get(f"{server.url}/logs/api/workflow-steps/{logs.oldest_hook_id}", timeout=60).status_code != 200
            ):
                assert time.monotonic() < deadline, "summary index never found the oldest delivery"
                time.sleep(0.5)

            searches = ["label", "reviewers", "no-such-text", "PR #5"]
            with ThreadPoolExecutor(len(searches)) as pool:
                list(pool.map(lambda text: get(server, "/logs/api/entries", search=text, limit=10000), searches))

            peak = server.peak_rss()
    assert peak < MAX_PEAK_RSS, f"peak RSS {peak / 2**20:.0f} MiB"
