"""Lanes shared by replicas of one PostgreSQL ledger: which replica runs which lane, and finding work.

A replica runs a lane only while it holds the lane's lock in the ledger (`Ledger.take_lane`), so the
deliveries of one ordering key run one at a time and in `seq` order across every replica. Work recorded by
any replica's intake is found by polling the ledger for lanes with queued deliveries (or deliveries whose
holder died); a replica takes at most as many new lanes as it has free worker slots, so the lanes spread
over the replicas.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection

from webhook_server.libs.pipeline.delivery import Delivery
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.pipeline.ledger.replicas import lane_lock_id

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.1
RETRY_TAKE_SECONDS = 0.05
BUSY_ELSEWHERE_SECONDS = 0.5  # after a failed take, leave the lane to its holder this long


class SharedLanes:
    """Takes, refreshes and gives back lanes of a shared ledger for one dispatcher."""

    def __init__(self, ledger: Ledger, *, poll_seconds: float = POLL_SECONDS) -> None:
        self._ledger = ledger
        self.poll_seconds = poll_seconds
        self._busy_elsewhere: dict[str, float] = {}
        self.lanes_with_work: frozenset[str] = frozenset()  # as last polled: queued work per lane, any replica

    async def take(self, key: str, *, wait: bool, stopping: Callable[[], bool]) -> list[Delivery] | None:
        """Lock lane `key` and return its deliveries to run. When another replica holds it: `None` at once,
        or with `wait`, retry until it is free (`None` if the dispatcher stops meanwhile)."""
        loop = asyncio.get_running_loop()
        while True:
            taken = await self._ledger.take_lane(key)
            if taken is not None:
                self._busy_elsewhere.pop(key, None)
                return taken
            self._busy_elsewhere[key] = loop.time() + BUSY_ELSEWHERE_SECONDS
            if not wait or stopping():
                return None
            await asyncio.sleep(RETRY_TAKE_SECONDS)

    async def refresh(self, key: str, known: Collection[str]) -> list[Delivery]:
        """Queued deliveries of a lane this replica holds, other than the `known` ids (recorded since)."""
        return await self._ledger.lane_deliveries(key, known)

    async def release(self, key: str) -> None:
        """Give the lane back."""
        await self._ledger.release_lane(key)

    async def lanes_to_take(self, free_slots: int, held: Callable[[str], bool]) -> list[str]:
        """Lanes with work that no lane of this replica runs and no other replica holds (as the database
        shows its locks, or as a failed take showed), at most `free_slots` of them, oldest work first.

        Lanes other replicas hold are left out before choosing: a replica with one free slot would otherwise
        try the oldest held lanes one per poll and never reach the free ones behind them."""
        elsewhere = await self._ledger.lane_locks_held_elsewhere()
        keys = await self._ledger.lanes_with_work(limit=max(free_slots, 0) + 100 + len(elsewhere))
        self.lanes_with_work = frozenset(keys)
        now = asyncio.get_running_loop().time()
        self._busy_elsewhere = {key: until for key, until in self._busy_elsewhere.items() if until > now}
        chosen = [
            key
            for key in keys
            if not held(key) and key not in self._busy_elsewhere and lane_lock_id(key) not in elsewhere
        ]
        return chosen[: max(free_slots, 0)]
