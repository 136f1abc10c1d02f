"""The project's Dockerfile, built and deployed: the container serves the fake GitHub's deliveries on the host
network, becomes healthy, and stops gracefully on `podman stop` with nothing unfinished in its ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from webhook_server.libs.rules.welcome_markers import WELCOME_MARKER
from webhook_server.tests.container_image.image_build import BuiltImage
from webhook_server.tests.container_image.server_container import (
    ServerContainer,
    delivery_status,
    unfinished_deliveries,
)
from webhook_server.tests.e2e.harness import WEBHOOK_SECRET, free_port, server_config, write_data_dir
from webhook_server.tests.fake_github.api import FakeGitHub

pytestmark = [pytest.mark.container_image, pytest.mark.timeout(2400)]

REPO = "org/repo"
AUTHOR = "dave"
OWNERS = "approvers:\n  - alice\nreviewers:\n  - bob\n"
PEOPLE = {"webhook-bot": "admin", "alice": "write", "bob": "write", AUTHOR: "write"}
HEALTHY_WITHIN_SECONDS = 180.0
PROCESSED_WITHIN_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 90


@pytest.fixture
def container(server_image: BuiltImage, fake_github: FakeGitHub, tmp_path: Path) -> Iterator[ServerContainer]:
    """The image with a data dir (config pointing at the fake on 127.0.0.1, the App key), not yet started."""
    fake_github.create_user("org", type="Organization")
    token = fake_github.create_token("webhook-bot")
    fake_github.create_repo(REPO, {"OWNERS": OWNERS, "README.md": "hello\n"}, collaborators=PEOPLE)
    fake_github.install_app(REPO)
    port = free_port()
    config = server_config(
        fake_github.base_url, [token], fake_github.app_id, {"repo": {"name": REPO}}, port=port, ip_bind="127.0.0.1"
    )
    write_data_dir(tmp_path / "data", config, fake_github.app_private_key_pem)
    fake_github.register_hook(REPO, f"http://127.0.0.1:{port}/webhook_server", WEBHOOK_SECRET, events=["pull_request"])
    server = ServerContainer(server_image, tmp_path / "data")
    try:
        yield server
    finally:
        server.remove()


def newest_opened_delivery(fake: FakeGitHub) -> str:
    guid: str = fake.deliveries("pull_request", action="opened", full_name=REPO)[-1].guid
    return guid


def welcomed(fake: FakeGitHub, number: int) -> bool:
    return any(WELCOME_MARKER in comment["body"] for comment in fake.comments(REPO, number))


def test_image_serves_a_pull_request_and_stops_cleanly(
    container: ServerContainer, server_image: BuiltImage, fake_github: FakeGitHub
) -> None:
    container.start()
    cold_start = container.wait_healthy(HEALTHY_WITHIN_SECONDS)

    first = fake_github.open_pr(REPO, head="feature", title="feat: add a", files={"a.py": "x = 1\n"}, author=AUTHOR)
    head_sha = fake_github.pull(REPO, first)["head"]["sha"]
    fake_github.wait_until(
        lambda: delivery_status(container.data_dir, newest_opened_delivery(fake_github)) == "succeeded",
        timeout=PROCESSED_WITHIN_SECONDS,
    )
    assert welcomed(fake_github, first)
    assert {"branch-main", "size/XS"} <= set(fake_github.labels(REPO, first))
    conclusions = fake_github.check_run_conclusions(REPO, head_sha)
    assert conclusions["security-suspicious-paths"] == "success"
    assert conclusions["can-be-merged"] == "failure"
    assert "verified" in {run["name"] for run in fake_github.check_runs(REPO, head_sha)}

    # A second PR whose processing is slowed down, still running when the container is stopped: the server
    # gets SIGTERM through tini, ends within its grace period and exits cleanly. What it could not finish stays
    # in the ledger and is resumed by the next start of the same container.
    fake_github.inject_latency(0.3, route_prefix=f"/repos/{REPO}/")
    second = fake_github.open_pr(REPO, head="second", title="feat: add b", files={"b.py": "y = 2\n"}, author=AUTHOR)
    in_flight = newest_opened_delivery(fake_github)
    fake_github.wait_until(lambda: delivery_status(container.data_dir, in_flight) == "running", timeout=120)
    stop_seconds = assert_stops_cleanly(container)
    fake_github.clear_faults()

    container.restart()
    container.wait_healthy(HEALTHY_WITHIN_SECONDS)
    fake_github.wait_until(
        lambda: delivery_status(container.data_dir, in_flight) == "succeeded", timeout=PROCESSED_WITHIN_SECONDS
    )
    assert welcomed(fake_github, second)
    assert "can-be-merged" in fake_github.check_run_conclusions(REPO, fake_github.pull(REPO, second)["head"]["sha"])
    assert_stops_cleanly(container)
    assert unfinished_deliveries(container.data_dir) == []

    size = int(server_image.engine.podman("image", "inspect", "--format", "{{.Size}}", server_image.name).stdout)
    print(  # the figures of the closing note (visible with -s)
        f"\nimage {server_image.name}: {size / 1e9:.2f} GB, build {server_image.build_seconds:.0f} s, "
        f"cold start to healthy {cold_start:.1f} s, graceful stop with a delivery in flight {stop_seconds:.1f} s"
    )


def assert_stops_cleanly(container: ServerContainer) -> float:
    """`podman stop`: exit code 0 after the server's own shutdown, well before podman would SIGKILL."""
    stop_seconds = container.stop(STOP_TIMEOUT_SECONDS)
    state = container.state()
    logs = container.logs()
    assert (state["Status"], state["ExitCode"]) == ("exited", 0), logs[-3000:]
    assert stop_seconds < STOP_TIMEOUT_SECONDS  # SIGTERM sufficed: podman never had to SIGKILL
    assert logs.count("Application shutdown complete.") == container.starts
    return stop_seconds
