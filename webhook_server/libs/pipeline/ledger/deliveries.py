"""Blocking operations on the ledger's `deliveries` table: dedup at intake, state changes, resume, lanes
shared between replicas, pruning.

Every function takes the ledger's single connection and runs on the ledger thread, never on the event loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from webhook_server.libs.pipeline.delivery import Delivery, DeliveryState, DeliveryStatusRow
from webhook_server.libs.pipeline.ledger.database import Database, Row, in_chunks, placeholders, transaction
from webhook_server.libs.pipeline.ledger.schema import Claim, from_text, requeue_unfinished, to_text, utc_now_text


class UnknownDeliveryError(LookupError):
    """A state change was asked for a delivery id that has no row."""


class DeliveryNotQueuedError(LookupError):
    """A replica tried to claim a delivery that is no longer queued (another replica took it)."""


def mark_running(connection: Database, delivery_id: str, claim: Claim, *, only_queued: bool = False) -> None:
    """The delivery entered its lane phase, held by `claim`. With `only_queued` (replicas sharing the ledger)
    it must still be queued: `DeliveryNotQueuedError` when another replica claimed it first."""
    sql = (
        "UPDATE deliveries SET status = ?, started_at = ?, owner = ?, lease_until = ?, lane_released_at = NULL"
        " WHERE delivery_id = ?"
    )
    parameters = (DeliveryState.RUNNING.value, utc_now_text(), claim.owner, claim.lease_until, delivery_id)
    if not only_queued:
        _update_one(connection, sql, parameters, delivery_id)
    elif connection.execute(f"{sql} AND status = ?", (*parameters, DeliveryState.QUEUED.value)).rowcount != 1:
        if connection.execute("SELECT 1 FROM deliveries WHERE delivery_id = ?", (delivery_id,)).fetchone() is None:
            raise UnknownDeliveryError(f"no ledger row for delivery {delivery_id}")
        raise DeliveryNotQueuedError(f"delivery {delivery_id} is no longer queued")


def mark_lane_released(connection: Database, delivery_id: str) -> None:
    """The delivery's lane phase ended; its followup (waiting for jobs, merge evaluations) goes on."""
    _update_one(
        connection,
        "UPDATE deliveries SET lane_released_at = ? WHERE delivery_id = ?",
        (utc_now_text(), delivery_id),
        delivery_id,
    )


StatusWrite = Callable[[Database], None]


def apply_status_writes(connection: Database, writes: Sequence[StatusWrite]) -> list[Exception | None]:
    """Run delivery status updates in one transaction (one commit for a burst of lane starts and ends);
    each write's own error is handed back in its place instead of aborting the others."""
    errors: list[Exception | None] = []
    with transaction(connection):
        for write in writes:
            try:
                write(connection)
            except (UnknownDeliveryError, DeliveryNotQueuedError) as error:
                errors.append(error)
            else:
                errors.append(None)
    return errors


def mark_finished(connection: Database, delivery_id: str, *, succeeded: bool, outcome: str, error: str | None) -> None:
    """The delivery was finalised: record its final state, outcome and error text."""
    state = DeliveryState.SUCCEEDED if succeeded else DeliveryState.FAILED
    _update_one(
        connection,
        "UPDATE deliveries SET status = ?, outcome = ?, error = ?, completed_at = ? WHERE delivery_id = ?",
        (state.value, outcome, error, utc_now_text(), delivery_id),
        delivery_id,
    )


def resumable(connection: Database, claim: Claim) -> list[Delivery]:
    """Queue again every queued or running delivery, in `seq` order (one process owns the ledger).

    A running one was interrupted: it gets `attempts + 1`, and on reaching the limit it is marked failed
    (`abandoned after 3 attempts`) instead of being returned.
    """
    with transaction(connection):
        requeued = requeue_unfinished(connection, "deliveries", "seq", claim)
    return [_delivery_from_row(row, attempts) for row, attempts in requeued]


def lanes_with_work(connection: Database, now: str, limit: int) -> list[str]:
    """Lane keys with a queued delivery, or a running one whose holder's lease ran out, oldest work first."""
    rows = connection.execute(
        "SELECT ordering_key, MIN(seq) AS first_seq FROM deliveries"
        " WHERE status = ? OR (status = ? AND (lease_until IS NULL OR lease_until < ?))"
        " GROUP BY ordering_key ORDER BY first_seq LIMIT ?",
        (DeliveryState.QUEUED.value, DeliveryState.RUNNING.value, now, limit),
    ).fetchall()
    return [str(row["ordering_key"]) for row in rows]


INTERRUPTED_OUTCOME = "interrupted"
INTERRUPTED_AFTER_LANE_ERROR = (
    "its replica stopped after the lane phase: the changes were made, the followup (waiting for its jobs and"
    " the merge evaluation) was not finished"
)


def take_lane(connection: Database, key: str, claim: Claim, now: str) -> list[Delivery]:
    """The deliveries of lane `key` to run, in `seq` order, for the replica that just locked the lane.

    Queued ones, and lane phases another replica left (it lost the lane lock, so it died): those were
    interrupted, count an attempt and run first, like at a restart. A delivery whose lane phase ended but
    whose holder's lease ran out during its followup is not run again after the lane moved on (that would
    undo later deliveries): it ends `failed` with outcome `interrupted`; its jobs are taken over by their
    own leases.
    """
    with transaction(connection):
        connection.execute(
            "UPDATE deliveries SET status = ?, outcome = ?, error = ?, completed_at = ? WHERE ordering_key = ?"
            " AND status = ? AND (owner IS NULL OR owner <> ?) AND lane_released_at IS NOT NULL"
            " AND (lease_until IS NULL OR lease_until < ?)",
            (
                DeliveryState.FAILED.value,
                INTERRUPTED_OUTCOME,
                INTERRUPTED_AFTER_LANE_ERROR,
                now,
                key,
                DeliveryState.RUNNING.value,
                claim.owner,
                now,
            ),
        )
        requeued = requeue_unfinished(
            connection,
            "deliveries",
            "seq",
            claim,
            where=" AND ordering_key = ? AND (status = 'queued' OR ((owner IS NULL OR owner <> ?)"
            " AND lane_released_at IS NULL))",
            parameters=(key, claim.owner),
        )
    return [_delivery_from_row(row, attempts) for row, attempts in requeued]


def queued_in_lane(connection: Database, key: str, known: Collection[str]) -> list[Delivery]:
    """Queued deliveries of lane `key` other than the `known` ids, in `seq` order (a lane this replica holds:
    what was recorded since it looked)."""
    rows = connection.execute(
        "SELECT delivery_id FROM deliveries WHERE ordering_key = ? AND status = ? ORDER BY seq",
        (key, DeliveryState.QUEUED.value),
    ).fetchall()
    new = [row["delivery_id"] for row in rows if row["delivery_id"] not in known]
    found: list[Row] = []
    for chunk in in_chunks(new):  # one read for the new ones, not one each
        found += connection.execute(
            f"SELECT * FROM deliveries WHERE delivery_id IN ({placeholders(len(chunk))})",  # noqa: S608 - placeholders only
            chunk,
        ).fetchall()
    return [_delivery_from_row(row, row["attempts"]) for row in sorted(found, key=lambda row: row["seq"])]


def renew_leases(connection: Database, claim: Claim) -> int:
    """Extend the lease of every running delivery `claim.owner` holds (its heartbeat)."""
    return connection.execute(
        "UPDATE deliveries SET lease_until = ? WHERE owner = ? AND status = ?",
        (claim.lease_until, claim.owner, DeliveryState.RUNNING.value),
    ).rowcount


def release_leases(connection: Database, owner: str) -> None:
    """End the leases of `owner`'s running deliveries (a clean stop): another replica may take them at once."""
    connection.execute(
        "UPDATE deliveries SET lease_until = NULL WHERE owner = ? AND status = ?",
        (owner, DeliveryState.RUNNING.value),
    )


def stored(connection: Database, delivery_id: str) -> Delivery | None:
    """The stored delivery with this id (any status), or `None` when the id is unknown (for replay)."""
    row = connection.execute("SELECT * FROM deliveries WHERE delivery_id = ?", (delivery_id,)).fetchone()
    return None if row is None else _delivery_from_row(row, row["attempts"])


def status_of(connection: Database, delivery_id: str) -> DeliveryStatusRow | None:
    """The recorded state of one delivery, or `None` when the id is unknown."""
    row = connection.execute(
        "SELECT seq, delivery_id, status, outcome, error, attempts, received_at, started_at, completed_at"
        " FROM deliveries WHERE delivery_id = ?",
        (delivery_id,),
    ).fetchone()
    if row is None:
        return None
    received_at = from_text(row["received_at"])
    assert received_at is not None  # NOT NULL column
    return DeliveryStatusRow(
        seq=row["seq"],
        delivery_id=row["delivery_id"],
        status=DeliveryState(row["status"]),
        outcome=row["outcome"],
        error=row["error"],
        attempts=row["attempts"],
        received_at=received_at,
        started_at=from_text(row["started_at"]),
        completed_at=from_text(row["completed_at"]),
    )


def queue_depth(connection: Database) -> int:
    """Number of deliveries waiting for their lane phase."""
    row = connection.execute(
        "SELECT COUNT(*) AS queued FROM deliveries WHERE status = ?", (DeliveryState.QUEUED.value,)
    ).fetchone()
    return int(row["queued"])


def oldest_queued_received_at(connection: Database) -> datetime | None:
    """Arrival time of the longest-waiting queued delivery, if any."""
    row = connection.execute(
        "SELECT MIN(received_at) AS oldest FROM deliveries WHERE status = ?", (DeliveryState.QUEUED.value,)
    ).fetchone()
    return from_text(row["oldest"])


def latest_received_at(connection: Database) -> datetime | None:
    """Arrival time of the newest delivery the ledger holds, if any."""
    row = connection.execute("SELECT MAX(received_at) AS newest FROM deliveries").fetchone()
    return from_text(row["newest"])


def prune_finished(connection: Database, completed_before: datetime) -> int:
    """Delete finished deliveries completed before the cutoff; returns how many rows went."""
    with transaction(connection):
        cursor = connection.execute(
            "DELETE FROM deliveries WHERE status IN (?, ?) AND completed_at < ?",
            (DeliveryState.SUCCEEDED.value, DeliveryState.FAILED.value, to_text(completed_before)),
        )
    return cursor.rowcount


def _update_one(connection: Database, sql: str, parameters: tuple[object, ...], delivery_id: str) -> None:
    cursor = connection.execute(sql, parameters)
    if cursor.rowcount != 1:
        raise UnknownDeliveryError(f"no ledger row for delivery {delivery_id}")


def _delivery_from_row(row: Row, attempts: int) -> Delivery:
    received_at = from_text(row["received_at"])
    assert received_at is not None  # NOT NULL column
    return Delivery(
        seq=row["seq"],
        delivery_id=row["delivery_id"],
        event=row["event"],
        action=row["action"],
        repository_full_name=row["repository"],
        ordering_key=row["ordering_key"],
        headers=json.loads(row["headers"]),
        body=bytes(row["body"]),
        received_at=received_at,
        attempts=attempts,
    )
