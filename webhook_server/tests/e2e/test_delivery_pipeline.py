"""The delivery pipeline against the fake GitHub: routing of GitHub's published payloads, dedup without
GitHub calls, per-PR ordering, request counting, retries, rate limits, failover and secret masking."""

import asyncio
import itertools
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from webhook_server.libs.github import api_call
from webhook_server.libs.github.api_call import RetryPolicy
from webhook_server.tests.e2e.conftest import GithubBackedServers
from webhook_server.tests.e2e.harness import RunningServer, read_summaries
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.tests.fake_github.faults import RequestRecord

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "webhook-examples.json"
REPO = "org/repo"
SCALE = 0.05  # every retry and rate-limit wait is shrunk by this factor


def _examples() -> list[tuple[str, dict[str, Any]]]:
    events = json.loads(EXAMPLES.read_text())
    return [(event["name"], example) for event in events for example in event["examples"]]


def _status_payload(sha: str) -> dict[str, Any]:
    return {
        "sha": sha,
        "state": "success",
        "context": "ci/test",
        "repository": {"name": "repo", "full_name": REPO},
        "sender": {"login": "octocat"},
    }


def _setup_repo(fake: FakeGitHub, token_owners: tuple[str, ...] = ("bot-user",)) -> list[str]:
    fake.create_repo(REPO, {"README.md": "hello\n"}, collaborators=dict.fromkeys(token_owners, "admin"))
    fake.install_app(REPO)
    return [fake.create_token(owner) for owner in token_owners]


async def test_every_published_example_is_accepted_or_refused_as_documented(
    fake_github: FakeGitHub, github_servers: GithubBackedServers
) -> None:
    examples = _examples()
    repositories: dict[str, Any] = {}
    for _, payload in examples:
        repository = payload.get("repository")
        if isinstance(repository, dict) and repository["full_name"] not in repositories:
            fake_github.create_repo(repository["full_name"], {"README.md": "x\n"})
            fake_github.install_app(repository["full_name"])
            repositories[repository["full_name"]] = {}
    server = github_servers.start(repositories, [fake_github.create_token("bot-user")])
    accepted: list[tuple[str, str]] = []
    for event, payload in examples:
        delivery = str(uuid.uuid4())
        response = await server.post(event, payload, delivery)
        if isinstance(payload.get("repository"), dict):
            assert response.status_code == 200, (event, response.text)
            accepted.append((event, delivery))
        else:
            assert (response.status_code, response.json()) == (400, {"detail": "Missing repository in payload"})
    assert len(accepted) > 200
    for event, delivery in accepted:
        row = await server.wait_finished(delivery, timeout=60)
        routing = server.summary_of(delivery)["workflow_steps"]["webhook_routing"]
        routed = "skipped" in routing or "handler" in routing
        missing_pr = row.status == "failed" and "404" in (row.error or "")
        assert routed or missing_pr, (event, row, routing)


async def _settle(fake: FakeGitHub) -> int:
    await asyncio.sleep(0.3)
    return len(fake.calls())


async def test_duplicate_delivery_makes_no_github_call(
    fake_github: FakeGitHub, github_servers: GithubBackedServers
) -> None:
    tokens = _setup_repo(fake_github)
    server = github_servers.start({"repo": {"name": REPO}}, tokens)
    payload = _status_payload("a" * 40)
    delivery = str(uuid.uuid4())
    assert (await server.post("status", payload, delivery)).status_code == 200
    first = await server.wait_finished(delivery)
    assert first.outcome == "skipped:no-pr"
    calls_after_first = await _settle(fake_github)
    assert calls_after_first > 0
    duplicate = await server.post("status", payload, delivery)
    assert duplicate.json()["message"] == "Webhook already received"
    assert await _settle(fake_github) == calls_after_first


async def test_token_spend_equals_requests_the_fake_received(
    fake_github: FakeGitHub, github_servers: GithubBackedServers
) -> None:
    tokens = _setup_repo(fake_github)
    server = github_servers.start({"repo": {"name": REPO}}, tokens)
    delivery = str(uuid.uuid4())
    await server.post("status", _status_payload("b" * 40), delivery)
    await server.wait_finished(delivery)
    summary = server.summary_of(delivery)
    received = fake_github.calls(delivery=delivery)
    assert summary["token_spend"] == len(received) > 0
    assert summary["final_rate_limit"] == fake_github.rate_limit(tokens[0])["remaining"]


def _is_merge_evaluation(call: RequestRecord) -> bool:
    """A call of the merge evaluation a delivery requested: it runs in the PR's lane, not the delivery's."""
    return call.kind == "graphql" or call.path.startswith(f"/repos/{REPO}/pulls/") or "/check-runs" in call.path


def _lane_phase_spans(fake: FakeGitHub, delivery: str) -> tuple[float, float]:
    calls = [call for call in fake.calls(delivery=delivery) if not _is_merge_evaluation(call)]
    return min(call.time for call in calls), max(call.time + call.duration for call in calls)


async def test_deliveries_of_one_pr_never_overlap(fake_github: FakeGitHub, github_servers: GithubBackedServers) -> None:
    tokens = _setup_repo(fake_github)
    number = fake_github.open_pr(REPO, head="feature", base="main", title="feat: x", files={"x.py": "x = 1\n"})
    head = fake_github.pull(REPO, number)["head"]["sha"]
    server = github_servers.start({"repo": {"name": REPO}}, tokens)
    await server.deliver("status", _status_payload(head))  # warm the token probe and App caches
    fake_github.inject_latency(0.03)
    deliveries = [str(uuid.uuid4()) for _ in range(4)]
    for delivery in deliveries:
        payload = {**_status_payload(head), "context": f"ci/{delivery[:8]}"}
        assert (await server.post("status", payload, delivery)).status_code == 200
    for delivery in deliveries:
        await server.wait_finished(delivery, timeout=60)
    spans = sorted(_lane_phase_spans(fake_github, delivery) for delivery in deliveries)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start, spans


async def test_server_errors_are_retried_with_backoff(
    fake_github: FakeGitHub, github_servers: GithubBackedServers
) -> None:
    api_call.configure(policy=RetryPolicy(time_scale=SCALE))
    tokens = _setup_repo(fake_github)
    server = github_servers.start({"repo": {"name": REPO}}, tokens)
    await server.deliver("status", _status_payload("c" * 40))
    main_head = fake_github.branch_sha(REPO, "main")
    assert main_head is not None
    route = f"/repos/{REPO}/commits/{main_head}/pulls"
    fake_github.fail_next(2, 502, route_prefix=route)
    row = await server.deliver("status", _status_payload(main_head))
    assert (row.status, row.outcome) == ("succeeded", "skipped:no-pr")
    times = [call.time for call in fake_github.calls(path_prefix=route)]
    assert [call.status for call in fake_github.calls(path_prefix=route)] == [502, 502, 200]
    assert 2 * SCALE <= times[1] - times[0] < 2 * SCALE * 1.1 + 0.05
    assert 4 * SCALE <= times[2] - times[1] < 4 * SCALE * 1.1 + 0.05


async def test_secondary_rate_limit_waits_for_retry_after(
    fake_github: FakeGitHub, github_servers: GithubBackedServers
) -> None:
    api_call.configure(policy=RetryPolicy(time_scale=SCALE))
    tokens = _setup_repo(fake_github)
    server = github_servers.start({"repo": {"name": REPO}}, tokens)
    await server.deliver("status", _status_payload("c" * 40))
    fake_github.secondary_rate_limit(tokens[0], retry_after=6, status=429)
    delivery = str(uuid.uuid4())
    await server.post("status", _status_payload("e" * 40), delivery)
    row = await server.wait_finished(delivery)
    assert row.status == "succeeded"
    calls = fake_github.calls(delivery=delivery)
    limited = next(index for index, call in enumerate(calls) if call.status == 429)
    assert calls[limited + 1].time - calls[limited].time >= 6 * SCALE


async def test_token_failover_mid_delivery(fake_github: FakeGitHub, github_servers: GithubBackedServers) -> None:
    tokens = _setup_repo(fake_github, ("first-bot", "second-bot"))
    fake_github.set_rate_limit(tokens[1], 4000)
    server = github_servers.start({"repo": {"name": REPO}}, tokens)
    await server.deliver("status", _status_payload("c" * 40))  # both tokens probed; first-bot has more quota
    fake_github.set_rate_limit(tokens[0], 1)
    delivery = str(uuid.uuid4())
    await server.post("status", _status_payload("f" * 40), delivery)
    row = await server.wait_finished(delivery)
    assert (row.status, row.outcome) == ("succeeded", "skipped:no-pr")
    identities = [call.identity for call in fake_github.calls(delivery=delivery) if call.identity.endswith("-bot")]
    assert identities[0] == "first-bot"
    assert identities[-1] == "second-bot"
    assert server.summary_of(delivery)["api_user"] == "first-bot"


async def test_token_in_an_error_reaches_no_log_file(
    fake_github: FakeGitHub, github_servers: GithubBackedServers
) -> None:
    tokens = _setup_repo(fake_github)
    server = github_servers.start({"repo": {"name": REPO}}, tokens, mask_sensitive_data=False)
    await server.deliver("status", _status_payload("c" * 40))
    fake_github.fail_next(5, 422, route_prefix=f"/repos/{REPO}", message=f"Validation failed for {tokens[0]}")
    row = await server.deliver("status", _status_payload("9" * 40))
    assert row.status == "failed"
    assert tokens[0] not in (row.error or "")
    server.runtime.logs.flush()
    written = [path for path in (server.data_dir / "logs").rglob("*") if path.is_file()]
    assert written
    for path in written:
        assert tokens[0] not in path.read_text(errors="replace"), path
    assert any("*****" in json.dumps(record) for record in read_summaries(server.data_dir))


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_pacer_spaces_content_creating_requests(
    fake_github: FakeGitHub, github_servers: GithubBackedServers, method: str
) -> None:
    from github import Auth

    from webhook_server.libs.github import transport
    from webhook_server.libs.github.clients import make_github
    from webhook_server.libs.github.pacer import PacerLimits, RequestPacer

    tokens = _setup_repo(fake_github)
    server: RunningServer = github_servers.start({"repo": {"name": REPO}}, tokens)
    assert server.base_url
    original = transport.PACER
    transport.PACER = RequestPacer(
        PacerLimits(max_concurrent=2, writes_per_minute=600.0, write_burst=3, background_reserve=0)
    )
    try:
        client = make_github(fake_github.base_url, Auth.Token(tokens[0]))
        repo = await api_call.github_api_call(client.get_repo, REPO)
        labels = [await api_call.github_api_call(repo.create_label, f"label-{i}", "ededed") for i in range(6)]
        if method == "PATCH":
            fake_github.clear_request_log()
            await asyncio.sleep(0.5)  # let the write burst refill after the POSTs
            for label in labels:
                await api_call.github_api_call(label.edit, label.name, "000000")
    finally:
        transport.PACER = original
    writes = [call.time for call in fake_github.calls(method, path_prefix=f"/repos/{REPO}/labels/label-")]
    if method == "POST":
        writes = [call.time for call in fake_github.calls(method, path_prefix=f"/repos/{REPO}/labels")][-6:]
    assert len(writes) == 6
    assert writes[2] - writes[0] < 0.05
    assert writes[5] - writes[2] >= 0.25


async def test_a_body_the_worker_cannot_read_fails_with_the_parsers_message(
    fake_github: FakeGitHub, github_servers: GithubBackedServers
) -> None:
    """Intake decodes only the fields it reads (`web/intake_fields.py`), so a number out of range in a skipped
    field passes it; the worker then fails that delivery, with a summary and the parser's message."""
    tokens = _setup_repo(fake_github)
    server = github_servers.start({"repo": {"name": REPO}}, tokens)
    body = json.dumps(_status_payload("b" * 40))[:-1].encode() + b', "target_url": 1e400}'
    delivery = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        response = await client.post(
            "/webhook_server", content=body, headers=server.signed_headers("status", body, delivery)
        )
    assert response.status_code == 200, response.text
    row = await server.wait_finished(delivery)
    calls = len(fake_github.calls())
    assert (row.status, row.outcome) == ("failed", "failed")
    assert row.error is not None
    assert row.error.startswith("InvalidJsonError: Number out of range")
    summary = server.summary_of(delivery)
    assert (summary["status"], summary["repository"], summary["event_type"]) == ("failed", "repo", "status")
    assert len(fake_github.calls()) == calls  # nothing was asked of GitHub for it
