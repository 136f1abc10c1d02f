"""Three server replicas on one PostgreSQL ledger, behind round-robin posting, one of them killed with SIGKILL
mid-burst and started again: no delivery is lost, no effect is made twice, and each PR's deliveries take
effect in the order they were recorded.

Each of 20 PRs gets 25 comments (500 deliveries), `/hold` and `/hold cancel` by turns, posted in order
(each after the previous one was acknowledged) to the next replica. Then the restarted replica alone gets one
more `/hold cancel` per PR (it rejoined: it takes the lanes and does the work). In order, every comment flips
the `hold` label: the fake's request log then shows per PR exactly 13 label additions and 13 removals,
alternating. A lost, repeated or reordered delivery breaks that (a `/hold` on a held PR, or a cancel on a free
one, writes nothing), and each comment must carry exactly one `+1` reaction.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from pathlib import Path

import httpx

from webhook_server.tests.commands.world import APPROVER, AUTHOR, REPO
from webhook_server.tests.e2e.replica_support import (
    comment_delivery,
    post,
    replica_config,
    repository_with_prs,
    wait_all_finished,
)
from webhook_server.tests.e2e.replica_support import rows as ledger_rows
from webhook_server.tests.e2e.server_process import ServerProcess, write_private_key
from webhook_server.tests.fake_github.api import FakeGitHub

PRS = 20
COMMENTS_PER_PR = 25
REPLICAS = 3
KILL_AFTER_ACKS = 100
RESTART_AFTER_ACKS = 250


def _start_replicas(fake: FakeGitHub, token: str, postgres_url: str, root: Path) -> list[ServerProcess]:
    replicas = []
    for index in range(REPLICAS):
        data_dir = root / f"replica-{index}"
        data_dir.mkdir()
        write_private_key(data_dir, fake.app_private_key_pem)
        replicas.append(ServerProcess(data_dir, replica_config(fake, token, postgres_url)))
    for replica in replicas:
        replica.start(timeout=60)
    return replicas


class RoundRobinPoster:
    """Posts each delivery to the next replica, as a load balancer would; a replica that does not answer
    200 (killed) is skipped and the delivery goes to the next one, as GitHub would retry it."""

    def __init__(self, replicas: list[ServerProcess]) -> None:
        self.replicas = replicas
        self.down: set[int] = set()
        self.acks = 0
        self._turns = itertools.count()

    async def post(self, client: httpx.AsyncClient, delivery_id: str, body: bytes) -> None:
        for _ in range(50):
            index = next(self._turns) % len(self.replicas)
            if index in self.down:
                continue
            try:
                response = await post(client, self.replicas[index].base_url, delivery_id, body)
            except httpx.TransportError:
                continue
            if response.status_code == 200:
                self.acks += 1
                return
        raise AssertionError(f"no replica acknowledged {delivery_id}")


async def _comment_and_post(
    fake: FakeGitHub, poster: RoundRobinPoster, client: httpx.AsyncClient, number: int, index: int
) -> tuple[str, int]:
    body, author = ("/hold", AUTHOR) if index % 2 == 0 else ("/hold cancel", APPROVER)
    delivery_id, comment_id, payload = await comment_delivery(fake, number, body, author)
    await poster.post(client, delivery_id, payload)
    return delivery_id, comment_id


async def _post_pr_comments(
    fake: FakeGitHub, poster: RoundRobinPoster, client: httpx.AsyncClient, number: int
) -> list[tuple[str, int]]:
    """One PR's comments, each posted after the previous one was acknowledged (GitHub's order)."""
    return [await _comment_and_post(fake, poster, client, number, index) for index in range(COMMENTS_PER_PR)]


async def _chaos(poster: RoundRobinPoster, victim: int) -> None:
    """SIGKILL one replica mid-burst, then start it again later in the burst (it rejoins)."""
    while poster.acks < KILL_AFTER_ACKS:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    poster.down.add(victim)
    await asyncio.to_thread(poster.replicas[victim].kill)
    while poster.acks < RESTART_AFTER_ACKS:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    await asyncio.to_thread(poster.replicas[victim].start, 60)
    poster.down.discard(victim)


def _hold_writes(fake: FakeGitHub, number: int) -> list[str]:
    """The `hold` label writes of one PR, in the order the fake answered them."""
    writes = []
    for record in fake.calls(path_prefix=f"/repos/{REPO}/issues/{number}/labels", writes_only=True):
        if record.method == "DELETE" and record.path.endswith("/labels/hold"):
            writes.append("remove")
        elif record.method == "POST":
            writes.append("add")
    return writes


async def test_three_replicas_lose_nothing_repeat_nothing_and_keep_each_pr_in_order(
    fake_github: FakeGitHub, postgres_url: str, tmp_path: Path
) -> None:
    fake = fake_github
    token, numbers = repository_with_prs(fake, PRS)
    replicas = _start_replicas(fake, token, postgres_url, tmp_path)
    poster = RoundRobinPoster(replicas)
    victim = 1
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            chaos = asyncio.create_task(_chaos(poster, victim))
            posted = await asyncio.gather(*(_post_pr_comments(fake, poster, client, number) for number in numbers))
            await chaos
            await wait_all_finished(postgres_url, timeout=240)
            poster.down = {index for index in range(REPLICAS) if index != victim}
            for number, per_pr in zip(numbers, posted, strict=True):
                per_pr.append(await _comment_and_post(fake, poster, client, number, COMMENTS_PER_PR))
        await wait_all_finished(postgres_url, timeout=120)
        rows = ledger_rows(postgres_url)
    finally:
        for replica in replicas:
            replica.stop()

    delivery_ids = [delivery_id for per_pr in posted for delivery_id, _ in per_pr]
    assert len(delivery_ids) == PRS * (COMMENTS_PER_PR + 1)
    assert set(delivery_ids) <= set(rows)  # nothing lost
    outcomes = Counter((rows[delivery_id][0], rows[delivery_id][1]) for delivery_id in delivery_ids)
    interrupted = outcomes[("failed", "interrupted")]
    assert outcomes[("succeeded", "success")] + interrupted == len(delivery_ids), outcomes
    assert interrupted <= 4  # only followups the killed replica had in flight (max-workers 4)
    owners = Counter(rows[delivery_id][2] for delivery_id in delivery_ids)
    assert len(owners) >= REPLICAS, owners  # the work spread over the replicas
    rejoined = replicas[victim].process
    assert rejoined is not None
    assert any(f"-{rejoined.pid}-" in str(owner) for owner in owners), owners  # the restarted replica worked too
    for number, per_pr in zip(numbers, posted, strict=True):
        writes = _hold_writes(fake, number)
        assert writes == ["add", "remove"] * ((COMMENTS_PER_PR + 1) // 2), (number, writes)
        for _, comment_id in per_pr:
            reactions = [item["content"] for item in fake.reactions(REPO, comment_id)]
            assert reactions == ["+1"], (number, comment_id, reactions)
