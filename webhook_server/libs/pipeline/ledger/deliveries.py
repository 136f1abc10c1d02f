"""Blocking operations on the ledger's `deliveries` table: dedup at intake, state changes, resume, pruning.

Every function takes the ledger's single connection and runs on the ledger thread, never on the event loop.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from webhook_server.libs.pipeline.delivery import Delivery, DeliveryState, DeliveryStatusRow, RecordResult, RecordStatus
from webhook_server.libs.pipeline.ledger.schema import from_text, requeue_unfinished, to_text, transaction, utc_now_text

UNKNOWN_DELIVERY_PREFIX = "unknown-delivery-"


class UnknownDeliveryError(LookupError):
    """A state change was asked for a delivery id that has no row."""


@dataclass(frozen=True)
class IncomingDelivery:
    """What intake hands to the ledger for one validated POST."""

    header_delivery_id: str | None
    event: str
    action: str | None
    repository_full_name: str
    ordering_key: str
    headers: Mapping[str, str]
    body: bytes
    received_at: datetime


def record_batch(connection: sqlite3.Connection, batch: Sequence[IncomingDelivery]) -> list[RecordResult]:
    """Record a batch of deliveries in one durable transaction (group commit: one fsync for all of them).

    Only this transaction syncs the WAL to disk before returning (`synchronous=FULL`); status updates
    after it use the connection's default `NORMAL`, which survives a process crash and, at worst after
    a power loss, re-runs an idempotent delivery.
    """
    connection.execute("PRAGMA synchronous=FULL")
    try:
        with transaction(connection):
            return [_record_one(connection, incoming) for incoming in batch]
    finally:
        connection.execute("PRAGMA synchronous=NORMAL")


def _record_one(connection: sqlite3.Connection, incoming: IncomingDelivery) -> RecordResult:
    """Insert a delivery as `queued`, unless its id is queued, running or succeeded (then it is a duplicate).

    A failed delivery with the same id is queued again with `attempts + 1` and a new, larger `seq`.
    """
    delivery_id = incoming.header_delivery_id or f"{UNKNOWN_DELIVERY_PREFIX}{uuid.uuid4().hex}"
    existing = connection.execute(
        "SELECT status, attempts FROM deliveries WHERE delivery_id = ?", (delivery_id,)
    ).fetchone()
    if existing is not None and existing["status"] != DeliveryState.FAILED:
        return RecordResult(status=RecordStatus.DUPLICATE, delivery=None)
    attempts = 0 if existing is None else existing["attempts"] + 1
    connection.execute("DELETE FROM deliveries WHERE delivery_id = ?", (delivery_id,))
    cursor = connection.execute(
        "INSERT INTO deliveries (delivery_id, event, action, repository, ordering_key, headers, body,"
        " status, attempts, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            delivery_id,
            incoming.event,
            incoming.action,
            incoming.repository_full_name,
            incoming.ordering_key,
            json.dumps(dict(incoming.headers)),
            incoming.body,
            DeliveryState.QUEUED.value,
            attempts,
            to_text(incoming.received_at),
        ),
    )
    seq = cursor.lastrowid
    assert seq is not None  # an INSERT always sets it
    delivery = Delivery(
        seq=seq,
        delivery_id=delivery_id,
        event=incoming.event,
        action=incoming.action,
        repository_full_name=incoming.repository_full_name,
        ordering_key=incoming.ordering_key,
        headers=dict(incoming.headers),
        body=incoming.body,
        received_at=incoming.received_at,
        attempts=attempts,
    )
    return RecordResult(status=RecordStatus.QUEUED, delivery=delivery)


def mark_running(connection: sqlite3.Connection, delivery_id: str) -> None:
    """The delivery entered its lane phase."""
    _update_one(
        connection,
        "UPDATE deliveries SET status = ?, started_at = ? WHERE delivery_id = ?",
        (DeliveryState.RUNNING.value, utc_now_text(), delivery_id),
        delivery_id,
    )


StatusWrite = Callable[[sqlite3.Connection], None]


def apply_status_writes(connection: sqlite3.Connection, writes: Sequence[StatusWrite]) -> list[Exception | None]:
    """Run delivery status updates in one transaction (one commit for a burst of lane starts and ends);
    each write's own error is handed back in its place instead of aborting the others."""
    errors: list[Exception | None] = []
    with transaction(connection):
        for write in writes:
            try:
                write(connection)
            except UnknownDeliveryError as error:
                errors.append(error)
            else:
                errors.append(None)
    return errors


def mark_finished(
    connection: sqlite3.Connection, delivery_id: str, *, succeeded: bool, outcome: str, error: str | None
) -> None:
    """The delivery was finalised: record its final state, outcome and error text."""
    state = DeliveryState.SUCCEEDED if succeeded else DeliveryState.FAILED
    _update_one(
        connection,
        "UPDATE deliveries SET status = ?, outcome = ?, error = ?, completed_at = ? WHERE delivery_id = ?",
        (state.value, outcome, error, utc_now_text(), delivery_id),
        delivery_id,
    )


def resumable(connection: sqlite3.Connection) -> list[Delivery]:
    """Queue again every queued or running delivery, in `seq` order.

    A running one was interrupted: it gets `attempts + 1`, and on reaching the limit it is marked failed
    (`abandoned after 3 attempts`) instead of being returned.
    """
    with transaction(connection):
        requeued = requeue_unfinished(connection, "deliveries", "seq")
    return [_delivery_from_row(row, attempts) for row, attempts in requeued]


def stored(connection: sqlite3.Connection, delivery_id: str) -> Delivery | None:
    """The stored delivery with this id (any status), or `None` when the id is unknown (for replay)."""
    row = connection.execute("SELECT * FROM deliveries WHERE delivery_id = ?", (delivery_id,)).fetchone()
    return None if row is None else _delivery_from_row(row, row["attempts"])


def status_of(connection: sqlite3.Connection, delivery_id: str) -> DeliveryStatusRow | None:
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


def queue_depth(connection: sqlite3.Connection) -> int:
    """Number of deliveries waiting for their lane phase."""
    count: int = connection.execute(
        "SELECT COUNT(*) FROM deliveries WHERE status = ?", (DeliveryState.QUEUED.value,)
    ).fetchone()[0]
    return count


def oldest_queued_received_at(connection: sqlite3.Connection) -> datetime | None:
    """Arrival time of the longest-waiting queued delivery, if any."""
    text: str | None = connection.execute(
        "SELECT MIN(received_at) FROM deliveries WHERE status = ?", (DeliveryState.QUEUED.value,)
    ).fetchone()[0]
    return from_text(text)


def latest_received_at(connection: sqlite3.Connection) -> datetime | None:
    """Arrival time of the newest delivery the ledger holds, if any."""
    text: str | None = connection.execute("SELECT MAX(received_at) FROM deliveries").fetchone()[0]
    return from_text(text)


def prune_finished(connection: sqlite3.Connection, completed_before: datetime) -> int:
    """Delete finished deliveries completed before the cutoff; returns how many rows went."""
    with transaction(connection):
        cursor = connection.execute(
            "DELETE FROM deliveries WHERE status IN (?, ?) AND completed_at < ?",
            (DeliveryState.SUCCEEDED.value, DeliveryState.FAILED.value, to_text(completed_before)),
        )
    return cursor.rowcount


def _update_one(connection: sqlite3.Connection, sql: str, parameters: tuple[str | None, ...], delivery_id: str) -> None:
    cursor = connection.execute(sql, parameters)
    if cursor.rowcount != 1:
        raise UnknownDeliveryError(f"no ledger row for delivery {delivery_id}")


def _delivery_from_row(row: sqlite3.Row, attempts: int) -> Delivery:
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
