"""What replicas sharing one ledger know of each other: their heartbeats, the lane locks they hold, and
when a PR's merge evaluation last started.

Lane locks are PostgreSQL session advisory locks on the replica's ledger connection: when a replica dies its
connection ends and its lanes are free at once. A SQLite ledger has one process, which holds every lane.
Every function runs on the ledger thread.
"""

from __future__ import annotations

import hashlib

from webhook_server.libs.pipeline.ledger.database import Database, Dialect


def lane_lock_id(key: str) -> int:
    """The signed 64-bit advisory lock id of a lane key (a stable hash: every replica computes the same)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def try_lock_lane(connection: Database, key: str) -> bool:
    """Take lane `key` for this replica if no other replica holds it."""
    if connection.dialect is Dialect.SQLITE:
        return True
    row = connection.execute("SELECT pg_try_advisory_lock(?) AS locked", (lane_lock_id(key),)).fetchone()
    return bool(row["locked"])


def unlock_lane(connection: Database, key: str) -> None:
    """Give lane `key` back (other replicas may take it)."""
    if connection.dialect is not Dialect.SQLITE:
        connection.execute("SELECT pg_advisory_unlock(?)", (lane_lock_id(key),))


def lane_locks_held_elsewhere(connection: Database) -> frozenset[int]:
    """Lock ids of the lanes that other sessions (replicas) of this database hold now, from `pg_locks` (a
    bigint advisory lock shows its high half in `classid`, its low half in `objid`, and `objsubid` 1)."""
    if connection.dialect is Dialect.SQLITE:
        return frozenset()
    rows = connection.execute(
        "SELECT classid, objid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
        " AND pid <> pg_backend_pid()"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    ).fetchall()
    return frozenset(_signed_64((int(row["classid"]) << 32) | int(row["objid"])) for row in rows)


def _signed_64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def beat(connection: Database, replica_id: str, role: str, now: str) -> None:
    """Record that the replica is alive now (its first beat registers it)."""
    connection.execute(
        "INSERT INTO replicas (replica_id, role, started_at, heartbeat_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (replica_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
        (replica_id, role, now, now),
    )


def live_workers(connection: Database, since: str) -> int:
    """How many replicas that process deliveries (role `all` or `worker`) beat at or after `since`."""
    row = connection.execute(
        "SELECT COUNT(*) AS live FROM replicas WHERE heartbeat_at >= ? AND role IN ('all', 'worker')", (since,)
    ).fetchone()
    return int(row["live"])


def forget(connection: Database, replica_id: str, *, silent_before: str) -> None:
    """Remove the replica's row (a clean stop), and rows of replicas silent since before `silent_before`."""
    connection.execute("DELETE FROM replicas WHERE replica_id = ? OR heartbeat_at < ?", (replica_id, silent_before))


def evaluation_started(connection: Database, pr_key: str, hook_id: str, now: str) -> None:
    """A merge evaluation of the PR starts now for the delivery `hook_id`."""
    connection.execute(
        "INSERT INTO merge_evaluations (pr_key, started_at, hook_id) VALUES (?, ?, ?)"
        " ON CONFLICT (pr_key) DO UPDATE SET started_at = excluded.started_at, hook_id = excluded.hook_id",
        (pr_key, now, hook_id),
    )


def last_evaluation(connection: Database, pr_key: str) -> tuple[str, str] | None:
    """When the PR's latest merge evaluation started, and for which delivery (`None` when never)."""
    row = connection.execute("SELECT started_at, hook_id FROM merge_evaluations WHERE pr_key = ?", (pr_key,)).fetchone()
    return None if row is None else (str(row["started_at"]), str(row["hook_id"]))
