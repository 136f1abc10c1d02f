"""GraphQL through gql keeps what REST gets from `github_api_call`: the delivery header and call counting,
quota accounting, retries of server errors, waits on secondary limits, token failover on an exhausted
quota, pacing (mutations as writes) and PyGithub's exception shapes. All against the fake's /graphql."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from github import Auth, GithubException, UnknownObjectException
from gql.transport.exceptions import TransportConnectionFailed

from webhook_server.libs.github import api_call, transport
from webhook_server.libs.github.auth import TOKEN_CHOICES, choose_token
from webhook_server.libs.github.clients import PooledClient, make_github
from webhook_server.libs.github.graphql_client import graphql_request
from webhook_server.libs.github.graphql_sessions import close_sessions, session_for
from webhook_server.libs.github.pacer import PacerLimits, RequestPacer
from webhook_server.libs.pr.graphql import DISABLE_AUTO_MERGE, ENABLE_AUTO_MERGE, REVIEW_THREADS_QUERY
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.utils import dry_run
from webhook_server.utils.context import DeliveryContext, bind_context
from webhook_server.utils.metrics import GITHUB_API_RETRIES_TOTAL

REPO = "acme/widget"
THREADS = {"owner": "acme", "name": "widget", "number": 1, "cursor": None}


@dataclass
class World:
    fake: FakeGitHub
    pooled: PooledClient
    first: str
    second: str


@pytest.fixture
def fast_retries() -> Iterator[None]:
    api_call.configure(policy=api_call.RetryPolicy(time_scale=0.0))
    yield
    api_call.configure(policy=api_call.RetryPolicy())


@pytest.fixture
async def world(fake_github: FakeGitHub, fast_retries: None) -> AsyncIterator[World]:
    first = fake_github.create_token("alice")
    second = fake_github.create_token("bob")
    fake_github.create_repo(
        REPO, {"README.md": "x\n"}, author="alice", collaborators={"alice": "admin", "bob": "admin"}
    )
    fake_github.push(REPO, "feature", {"a.py": "x = 1\n"}, message="feat: a", author="alice")
    number = fake_github.open_pr(REPO, head="feature", base="main", title="feat: a", author="alice")
    fake_github.add_review_thread(REPO, number, path="a.py", line=1, body="why?", author="bob")
    pooled = PooledClient(fake_github.base_url, (first, second))
    await pooled.probe()
    choice = TOKEN_CHOICES.set(None)
    fake_github.clear_request_log()
    yield World(fake_github, pooled, first, second)
    TOKEN_CHOICES.reset(choice)
    await close_sessions()


def _delivery() -> DeliveryContext:
    return DeliveryContext(
        hook_id="graphql-delivery-1",
        event_type="pull_request",
        repository="widget",
        repository_full_name=REPO,
        action="opened",
        sender="alice",
    )


def _graphql_calls(world: World) -> list[tuple[int, str | None]]:
    return [(call.status, call.token) for call in world.fake.calls(path_prefix="/graphql")]


async def test_query_carries_the_delivery_and_is_counted(world: World) -> None:
    with bind_context(_delivery()) as context:
        data = await graphql_request(world.pooled.github, REVIEW_THREADS_QUERY, THREADS)
    [thread] = data["repository"]["pullRequest"]["reviewThreads"]["nodes"]
    assert (thread["isResolved"], thread["comments"]["nodes"][0]["path"]) == (False, "a.py")
    [call] = world.fake.calls(path_prefix="/graphql")
    assert (call.kind, call.delivery, call.token) == ("graphql", "graphql-delivery-1", world.first)
    assert context.token_spend == 1
    assert context.final_rate_limit == world.fake.rate_limit(world.first, "graphql")["remaining"]


async def test_server_errors_are_retried(world: World) -> None:
    world.fake.fail_next(2, 502, route_prefix="/graphql")
    await graphql_request(world.pooled.github, REVIEW_THREADS_QUERY, THREADS)
    assert [status for status, _ in _graphql_calls(world)] == [502, 502, 200]  # injected faults log no token


async def test_server_errors_give_up_after_the_retry_budget(world: World) -> None:
    world.fake.fail_next(10, 503, route_prefix="/graphql")
    with pytest.raises(GithubException) as raised:
        await graphql_request(world.pooled.github, REVIEW_THREADS_QUERY, THREADS)
    assert raised.value.status == 503
    assert len(_graphql_calls(world)) == len(api_call.RetryPolicy().delays) + 1


async def test_secondary_rate_limit_waits_then_retries_with_the_same_token(world: World) -> None:
    world.fake.secondary_rate_limit(world.first, retry_after=1)
    await graphql_request(world.pooled.github, REVIEW_THREADS_QUERY, THREADS)
    assert _graphql_calls(world) == [(403, world.first), (200, world.first)]


async def test_exhausted_token_fails_over_to_the_next(world: World) -> None:
    world.fake.exhaust_rate_limit(world.first, resource="graphql")
    assert choose_token(world.pooled.pool).token == world.first
    await graphql_request(world.pooled.github, REVIEW_THREADS_QUERY, THREADS)
    assert _graphql_calls(world) == [(403, world.first), (200, world.second)]
    assert choose_token(world.pooled.pool).token == world.second


async def test_missing_repository_raises_unknown_object(world: World) -> None:
    with pytest.raises(UnknownObjectException):
        await graphql_request(world.pooled.github, REVIEW_THREADS_QUERY, {**THREADS, "name": "nothing-here"})
    assert len(_graphql_calls(world)) == 1


async def test_invalid_document_raises_400_without_retry(world: World) -> None:
    with pytest.raises(GithubException) as raised:
        await graphql_request(world.pooled.github, "query { viewer { noSuchField } }", {})
    assert raised.value.status == 400
    assert "noSuchField" in str(raised.value.data)
    assert len(_graphql_calls(world)) == 1


class RecordingPacer(RequestPacer):
    """The real pacer, remembering which method each request was paced as."""

    def __init__(self) -> None:
        super().__init__(PacerLimits(writes_per_minute=60000.0, write_burst=1000))
        self.methods: list[str] = []

    def acquire(self, credential: str, method: str, *, background: bool = False) -> None:
        self.methods.append(method)
        super().acquire(credential, method, background=background)


async def test_mutations_are_paced_as_writes_and_queries_as_reads(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    pacer = RecordingPacer()
    monkeypatch.setattr(transport, "PACER", pacer)
    world.fake.update_repo(REPO, allow_auto_merge=True)
    node_id = world.fake.pull(REPO, 1)["node_id"]
    assert choose_token(world.pooled.pool).token == world.first
    with bind_context(_delivery()):
        await graphql_request(world.pooled.github, REVIEW_THREADS_QUERY, THREADS)
        await graphql_request(world.pooled.github, ENABLE_AUTO_MERGE, {"id": node_id, "method": "SQUASH"})
        await graphql_request(world.pooled.github, DISABLE_AUTO_MERGE, {"id": node_id})
    assert pacer.methods == ["GET", "POST", "POST"]
    assert [call.status for call in world.fake.calls(path_prefix="/graphql")] == [200, 200, 200]


async def test_one_kept_alive_session_per_endpoint_until_shutdown(world: World) -> None:
    url = world.pooled.github.requester.graphql_url
    await graphql_request(world.pooled.github, REVIEW_THREADS_QUERY, THREADS)
    first = await session_for(url)
    await graphql_request(world.pooled.github, REVIEW_THREADS_QUERY, THREADS)
    assert await session_for(url) is first
    await close_sessions()
    assert await session_for(url) is not first


async def test_dry_run_records_mutations_and_still_sends_queries(world: World) -> None:
    world.fake.update_repo(REPO, allow_auto_merge=True)
    node_id = world.fake.pull(REPO, 1)["node_id"]
    recorder = dry_run.WriteRecorder()
    dry_run.install(recorder)
    try:
        await graphql_request(world.pooled.github, REVIEW_THREADS_QUERY, THREADS)
        answer = await graphql_request(world.pooled.github, ENABLE_AUTO_MERGE, {"id": node_id, "method": "SQUASH"})
    finally:
        dry_run.uninstall()
    assert [call.status for call in world.fake.calls(path_prefix="/graphql")] == [200]  # only the query was sent
    [write] = recorder.writes()
    assert (write.kind, write.method, write.path) == ("graphql", "POST", "/graphql")
    assert "enablePullRequestAutoMerge" in answer
    assert world.fake.pull(REPO, 1).get("auto_merge") is None


async def test_connection_failures_are_retried_then_raised(fast_retries: None) -> None:
    unreachable = make_github("http://127.0.0.1:9", Auth.Token("ghp_unreachable_token"))  # nothing listens on 9
    retries = GITHUB_API_RETRIES_TOTAL.labels(reason="connection")
    before = retries._value.get()
    try:
        with pytest.raises(TransportConnectionFailed):
            await graphql_request(unreachable, REVIEW_THREADS_QUERY, THREADS)
    finally:
        await close_sessions()
    assert retries._value.get() - before == len(api_call.RetryPolicy().delays)
