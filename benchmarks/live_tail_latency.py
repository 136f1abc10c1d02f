"""Delivery-to-browser latency of a log line: from `LOGGER.info` in the server to the row in the viewer page.

Usage: `uv run --group tests python -m benchmarks.live_tail_latency [--lines 40] [--mode writer|poll|both]`
One process holds a real `LoggingRuntime` (the writer thread, JSONL files) and the log viewer served by
uvicorn; headless Debian Chromium (Playwright, the viewer tests' flags) opens `/logs` with real-time on.
Each line's latency is the browser's high-resolution wall clock when the row appears in `#log-list`
(a MutationObserver) minus the server's wall clock just before logging it; lines are spaced by a random
pause so they do not line up with a polling phase. Modes:
- `poll`: the viewer follows the files (`LogTailer`, 0.25 s polls): how every live tail worked before;
- `writer`: the viewer takes each record from the in-process writer (`WriterFeed`): how the server works now.
Prints one line per figure (`name value unit`).
"""

import argparse
import logging
import random
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from webhook_server.tests.logs.viewer_app import build_app, serve_in_thread
from webhook_server.utils.context import DeliveryContext, bind_context
from webhook_server.utils.logging_setup import LoggingRuntime, LogSettings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOGGER = logging.getLogger("webhook_server.benchmarks.live_tail")
MARK = "latency-probe-"
WATCH_ROWS = """() => {
  window.__seen = {};
  new MutationObserver((mutations) => {
    const now = performance.timeOrigin + performance.now();
    for (const mutation of mutations) {
      for (const node of mutation.addedNodes) {
        const text = node.textContent || "";
        const found = text.match(/latency-probe-(\\d+)/);
        if (found && !(found[1] in window.__seen)) window.__seen[found[1]] = now;
      }
    }
  }).observe(document.getElementById("log-list"), { childList: true, subtree: true });
}"""


def delivery() -> DeliveryContext:
    return DeliveryContext(
        hook_id="latency-delivery",
        event_type="pull_request",
        repository="widget",
        repository_full_name="acme/widget",
        action="opened",
        sender="alice",
    )


def arrival_ms(page: Page, number: int, timeout: float = 10.0) -> float:
    """The browser's wall clock (ms since the epoch) when probe ``number`` was rendered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = page.evaluate(f"() => window.__seen['{number}'] ?? null")
        if seen is not None:
            return float(seen)
        time.sleep(0.005)
    raise TimeoutError(f"probe {number} never reached the browser")


def measure(mode: str, lines: int) -> list[float]:
    """Latencies in milliseconds of ``lines`` probes with the viewer in ``mode``."""
    with tempfile.TemporaryDirectory(prefix="live-tail-latency-") as scratch:
        logs_dir = Path(scratch) / "logs"
        settings = LogSettings(level="INFO", log_file="webhook-server.log", mask_sensitive_data=True)
        logging_runtime = LoggingRuntime(logs_dir, lambda _: settings, console=False)
        logging_runtime.start()
        LOGGER.info("warm-up before the viewer starts")  # the day file exists for the file tailer to follow
        logging_runtime.flush()
        app, runtime = build_app(logs_dir, log_writer=logging_runtime if mode == "writer" else None)
        try:
            with serve_in_thread(app, runtime) as server, sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page()
                page.goto(f"{server.url}/logs")
                page.evaluate(WATCH_ROWS)
                page.click("#realtime-btn")
                expect(page.locator("#connection-status")).to_have_text("Real-time: connected")
                latencies = []
                with bind_context(delivery()):
                    for number in range(lines):
                        time.sleep(random.uniform(0.05, 0.3))
                        emitted_ms = time.time() * 1000
                        LOGGER.info("%s%d", MARK, number)
                        latencies.append(arrival_ms(page, number) - emitted_ms)
                browser.close()
        finally:
            logging_runtime.stop()
    return latencies


def report(name: str, value: float, unit: str) -> None:
    print(f"{name} {value:.1f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--mode", choices=("writer", "poll", "both"), default="both")
    args = parser.parse_args()
    for mode in ("poll", "writer") if args.mode == "both" else (args.mode,):
        latencies = sorted(measure(mode, args.lines))
        report(f"{mode}_median_latency", statistics.median(latencies), "ms")
        report(f"{mode}_p90_latency", latencies[int(len(latencies) * 0.9) - 1], "ms")
        report(f"{mode}_max_latency", latencies[-1], "ms")
        report(f"{mode}_min_latency", latencies[0], "ms")


if __name__ == "__main__":
    main()
