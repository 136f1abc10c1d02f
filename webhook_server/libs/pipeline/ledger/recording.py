"""Intake's write to the ledger: record a batch of accepted deliveries, deduplicated by delivery id, in one commit.

A batch costs a fixed number of round trips whatever its size (one lookup and at most one delete per 200 ids,
one pipelined insert), so a burst does not turn into three round trips per delivery on a PostgreSQL ledger.
The dedup decision is a pure function (`plan_batch`) of the batch and the rows that already exist.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from webhook_server.libs.pipeline.delivery import Delivery, DeliveryState, RecordResult, RecordStatus
from webhook_server.libs.pipeline.ledger.database import Database, Dialect, in_chunks, placeholders, transaction
from webhook_server.libs.pipeline.ledger.schema import to_text

UNKNOWN_DELIVERY_PREFIX = "unknown-delivery-"


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


@dataclass(frozen=True)
class Existing:
    """The ledger row a delivery id already has."""

    status: str
    attempts: int


@dataclass(frozen=True)
class PlannedInsert:
    """One delivery of the batch to insert as `queued`; `replaces` when a failed row of its id goes first."""

    incoming: IncomingDelivery
    delivery_id: str
    attempts: int
    replaces: bool


def delivery_id_of(incoming: IncomingDelivery) -> str:
    """The id intake records: GitHub's header, or a fresh unknown id that never deduplicates."""
    return incoming.header_delivery_id or f"{UNKNOWN_DELIVERY_PREFIX}{uuid.uuid4().hex}"


def plan_batch(
    ids: Sequence[str], batch: Sequence[IncomingDelivery], existing: Mapping[str, Existing]
) -> list[PlannedInsert | None]:
    """Per delivery of the batch: what to insert, or None for a duplicate (intake.md §4.2).

    An id that is queued, running or succeeded is a duplicate; a failed one is queued again with one more
    attempt; an id met earlier in the same batch is a duplicate of that one (it is queued by then).
    """
    planned: list[PlannedInsert | None] = []
    seen: set[str] = set()
    for delivery_id, incoming in zip(ids, batch, strict=True):
        row = existing.get(delivery_id)
        if delivery_id in seen or (row is not None and row.status != DeliveryState.FAILED):
            planned.append(None)
            continue
        seen.add(delivery_id)
        attempts = 0 if row is None else row.attempts + 1
        planned.append(PlannedInsert(incoming, delivery_id, attempts, replaces=row is not None))
    return planned


def record_batch(connection: Database, batch: Sequence[IncomingDelivery]) -> list[RecordResult]:
    """Record a batch of deliveries in one durable transaction (group commit: one fsync for all of them).

    Only this transaction syncs the WAL to disk before returning (`synchronous=FULL`); status updates
    after it use the connection's default `NORMAL`, which survives a process crash and, at worst after
    a power loss, re-runs an idempotent delivery.
    """
    if connection.dialect is not Dialect.SQLITE:  # a PostgreSQL commit is durable by itself
        with transaction(connection):
            return _record(connection, batch)
    connection.execute("PRAGMA synchronous=FULL")
    try:
        with transaction(connection):
            return _record(connection, batch)
    finally:
        connection.execute("PRAGMA synchronous=NORMAL")


def _record(connection: Database, batch: Sequence[IncomingDelivery]) -> list[RecordResult]:
    ids = [delivery_id_of(incoming) for incoming in batch]
    planned = plan_batch(ids, batch, _existing_rows(connection, ids))
    inserts = [plan for plan in planned if plan is not None]
    _delete_failed(connection, [plan.delivery_id for plan in inserts if plan.replaces])
    seqs = _insert(connection, inserts)
    return [_result(plan, seqs.get(plan.delivery_id)) if plan is not None else _DUPLICATE for plan in planned]


_DUPLICATE = RecordResult(status=RecordStatus.DUPLICATE, delivery=None)


def _existing_rows(connection: Database, ids: Sequence[str]) -> dict[str, Existing]:
    existing: dict[str, Existing] = {}  # every id is looked up: a header may carry the unknown prefix itself
    for chunk in in_chunks(list(dict.fromkeys(ids))):
        rows = connection.execute(
            f"SELECT delivery_id, status, attempts FROM deliveries WHERE delivery_id IN ({placeholders(len(chunk))})",  # noqa: S608 - placeholders only
            chunk,
        ).fetchall()
        existing.update({row["delivery_id"]: Existing(row["status"], row["attempts"]) for row in rows})
    return existing


def _delete_failed(connection: Database, ids: Sequence[str]) -> None:
    for chunk in in_chunks(ids):
        connection.execute(
            f"DELETE FROM deliveries WHERE status = ? AND delivery_id IN ({placeholders(len(chunk))})",  # noqa: S608 - placeholders only
            (DeliveryState.FAILED.value, *chunk),
        )


_INSERT = (
    "INSERT INTO deliveries (delivery_id, event, action, repository, ordering_key, headers, body, status, attempts,"
    " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (delivery_id) DO NOTHING RETURNING seq, delivery_id"
)


def _insert(connection: Database, inserts: Sequence[PlannedInsert]) -> dict[str, int]:
    """Insert the planned rows in arrival order; their `seq` by id. An id another replica recorded meanwhile
    (between the lookup and the insert) is not inserted and gets no `seq`: it is a duplicate."""
    if not inserts:
        return {}
    rows = connection.execute_many(_INSERT, [_row(plan) for plan in inserts])
    return {row["delivery_id"]: row["seq"] for row in rows}


def _row(plan: PlannedInsert) -> tuple[object, ...]:
    incoming = plan.incoming
    return (
        plan.delivery_id,
        incoming.event,
        incoming.action,
        incoming.repository_full_name,
        incoming.ordering_key,
        json.dumps(dict(incoming.headers)),
        incoming.body,
        DeliveryState.QUEUED.value,
        plan.attempts,
        to_text(incoming.received_at),
    )


def _result(plan: PlannedInsert, seq: int | None) -> RecordResult:
    if seq is None:
        return _DUPLICATE
    incoming = plan.incoming
    delivery = Delivery(
        seq=seq,
        delivery_id=plan.delivery_id,
        event=incoming.event,
        action=incoming.action,
        repository_full_name=incoming.repository_full_name,
        ordering_key=incoming.ordering_key,
        headers=dict(incoming.headers),
        body=incoming.body,
        received_at=incoming.received_at,
        attempts=plan.attempts,
    )
    return RecordResult(status=RecordStatus.QUEUED, delivery=delivery)
