"""The log viewer page in headless Chromium: filter by hook id, open the delivery timeline, see a live row.

Uses the Debian ``chromium`` through Playwright's ``executable_path``; the screenshot is saved to
``test-artifacts/log_viewer.png`` under the project root.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from webhook_server.tests.logs.log_files import append_records, day_path, delivery_records, log_entry, step
from webhook_server.tests.logs.viewer_app import RunningServer, build_app, serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (.ci/run installs it)")


def write_logs(logs_dir: Path) -> None:
    failing = step(NOW + timedelta(minutes=5, seconds=1), "failed", 1500)
    failing["error"] = {"type": "RuntimeError", "message": "tox exploded", "traceback": "Traceback (most recent)"}
    steps = {
        "webhook_routing": step(NOW + timedelta(minutes=5), duration_ms=800),
        "job:check:tox": failing,
    }
    records = delivery_records("hook-alpha", NOW, lines=3)
    records += delivery_records("hook-beta", NOW + timedelta(minutes=5), lines=3, steps=steps, status="partial")
    records += delivery_records("hook-gamma", NOW + timedelta(minutes=10), lines=3, pr_number=9)
    append_records(day_path(logs_dir, NOW.date()), records)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    write_logs(tmp_path)
    app, runtime = build_app(tmp_path)
    with serve_in_thread(app, runtime) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def open_viewer(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    expect(page).to_have_title("GitHub Webhook Server - Log Viewer")
    return page


def test_filter_timeline_and_live_row(server: RunningServer, browser: Browser, tmp_path: Path) -> None:
    page = open_viewer(browser, f"{server.url}/logs")
    rows = page.locator("#log-list > li")
    expect(rows).to_have_count(12)

    page.fill("#filter-hook-id", "hook-beta")
    expect(rows).to_have_count(4)
    expect(page).to_have_url(re.compile(r"hook_id=hook-beta"))
    expect(rows.first.locator(".level")).to_have_text("COMPLETED")

    page.get_by_role("button", name="Open delivery hook-beta").first.click()
    dialog = page.get_by_role("dialog", name="Delivery hook-beta")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".summary-grid")).to_contain_text("Partial failure")
    expect(dialog.locator(".step-name")).to_have_text(["webhook_routing", "job:check:tox"])
    expect(dialog.locator(".step").nth(1)).to_contain_text("tox exploded")
    dialog.get_by_role("button", name="Show logs of step webhook_routing").click()
    expect(dialog.locator(".step-logs li")).to_have_text([re.compile("Processing webhook step 0 for hook-beta")])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "log_viewer_flow.png"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Open delivery hook-beta").first).to_be_focused()

    page.click("#realtime-btn")
    expect(page.locator("#connection-status")).to_have_text("Real-time: connected")
    append_records(
        day_path(tmp_path, NOW.date()),
        [
            log_entry(datetime.now(UTC), "live line for another delivery", hook_id="hook-alpha"),
            log_entry(datetime.now(UTC), "live line arrived for beta", hook_id="hook-beta", pr_number=7),
        ],
    )
    expect(rows.first.locator(".log-message")).to_have_text("live line arrived for beta")
    expect(rows).to_have_count(5)
    expect(page.locator("#stat-shown")).to_have_text("5")

    page.click("#theme-toggle")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.screenshot(path=str(ARTIFACTS / "log_viewer.png"), full_page=True)
    assert (ARTIFACTS / "log_viewer.png").stat().st_size > 10_000


def test_deep_link_pr_modal_and_persisted_preferences(server: RunningServer, browser: Browser) -> None:
    page = open_viewer(browser, f"{server.url}/logs?hook_id=hook-gamma")
    dialog = page.get_by_role("dialog", name="Delivery hook-gamma")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".summary-grid")).to_contain_text("Success")
    page.locator("#flow-modal .modal-backdrop").click(position={"x": 5, "y": 5})
    expect(dialog).to_be_hidden()

    page.click("#clear-filters-btn")
    expect(page.locator("#log-list > li")).to_have_count(12)
    page.get_by_role("button", name="Open PR #7 deliveries").first.click()
    pr_dialog = page.get_by_role("dialog", name="PR #7 in repo")
    expect(pr_dialog.locator(".pr-hooks li")).to_have_count(2)
    pr_dialog.get_by_role("button", name="Open delivery hook-alpha").click()
    expect(page.get_by_role("dialog", name="Delivery hook-alpha")).to_be_visible()
    page.keyboard.press("Escape")

    page.click("#panel-toggle")
    page.click("#theme-toggle")
    page.reload()
    expect(page.locator("#filters-body")).to_be_hidden()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.click("#panel-toggle")
    page.select_option("#filter-level", "ERROR")
    expect(page.locator("#empty-state")).to_be_visible()
    page.fill("#filter-start-time", "2000-01-01T00:00:00")
    expect(page).to_have_url(re.compile(r"start_time=2000-01-01"))
