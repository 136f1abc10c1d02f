"""The ledger's `jobs` table (checks.md §6): job rows, their state changes, resume and pruning.

Every function takes the ledger's single connection and runs on the ledger thread, never on the event loop.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from webhook_server.libs.pipeline.ledger.database import Database, Row, transaction
from webhook_server.libs.pipeline.ledger.schema import Claim, from_text, requeue_unfinished, to_text, utc_now_text


class JobState(enum.StrEnum):
    """Lifecycle of a job row: queued → running → succeeded | failed | cancelled."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED_JOB_STATES = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


class UnknownJobError(LookupError):
    """A state change was asked for a job id that has no row."""


@dataclass(frozen=True)
class NewJob:
    """The fields of a job at creation."""

    kind: str
    repository: str
    pr_number: int | None
    head_sha: str | None
    name: str
    spec: dict[str, Any]
    delivery_id: str | None


@dataclass(frozen=True)
class Job:
    """One job row."""

    job_id: int
    kind: str
    repository: str
    pr_number: int | None
    head_sha: str | None
    name: str
    spec: dict[str, Any]
    status: JobState
    attempts: int
    delivery_id: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    outcome: str | None
    error: str | None


def add_job(connection: Database, job: NewJob, claim: Claim) -> int:
    """Insert a job as `queued`, held by `claim`; returns its id (ids grow in creation order)."""
    inserted = connection.execute(
        "INSERT INTO jobs (kind, repository, pr_number, head_sha, name, spec, status, delivery_id, created_at,"
        " owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING job_id",
        (
            job.kind,
            job.repository,
            job.pr_number,
            job.head_sha,
            job.name,
            json.dumps(job.spec),
            JobState.QUEUED.value,
            job.delivery_id,
            utc_now_text(),
            claim.owner,
            claim.lease_until,
        ),
    )
    return int(inserted.fetchone()["job_id"])


def mark_job_queued(connection: Database, job_id: int) -> None:
    """Put a job back to `queued` (for example `/retest` of a running check)."""
    _update_one(
        connection,
        "UPDATE jobs SET status = ?, started_at = NULL, completed_at = NULL, outcome = NULL, error = NULL"
        " WHERE job_id = ?",
        (JobState.QUEUED.value, job_id),
        job_id,
    )


def reschedule_job(connection: Database, job_id: int, spec: dict[str, Any]) -> None:
    """Back to `queued` with a new spec (deferred work waiting for its next due time)."""
    _update_one(
        connection,
        "UPDATE jobs SET status = ?, spec = ?, started_at = NULL WHERE job_id = ?",
        (JobState.QUEUED.value, json.dumps(spec), job_id),
        job_id,
    )


def mark_job_running(connection: Database, job_id: int, claim: Claim) -> None:
    """The job's process started, held by `claim`."""
    _update_one(
        connection,
        "UPDATE jobs SET status = ?, started_at = ?, owner = ?, lease_until = ? WHERE job_id = ?",
        (JobState.RUNNING.value, utc_now_text(), claim.owner, claim.lease_until, job_id),
        job_id,
    )


def mark_job_finished(connection: Database, job_id: int, status: JobState, outcome: str, error: str | None) -> None:
    """The job ended with a final state (`succeeded`, `failed` or `cancelled`)."""
    if status not in FINISHED_JOB_STATES:
        raise ValueError(f"{status} is not a final job state")
    _update_one(
        connection,
        "UPDATE jobs SET status = ?, outcome = ?, error = ?, completed_at = ? WHERE job_id = ?",
        (status.value, outcome, error, utc_now_text(), job_id),
        job_id,
    )


def resumable_jobs(connection: Database, claim: Claim, *, expired_before: str | None = None) -> list[Job]:
    """Queue again every queued or running job, in creation order, held by `claim`; running ones get
    `attempts + 1`. With `expired_before` (replicas sharing the ledger) only jobs nobody holds: no owner, or
    a lease that ran out before that moment (its replica died or stopped).

    A job reaching the attempts limit is marked failed (`abandoned after 3 attempts`) and not returned.
    """
    where, parameters = "", cast(tuple[object, ...], ())
    if expired_before is not None:
        where, parameters = " AND (owner IS NULL OR lease_until IS NULL OR lease_until < ?)", (expired_before,)
    with transaction(connection):
        requeued = requeue_unfinished(connection, "jobs", "job_id", claim, where=where, parameters=parameters)
    return [
        replace(_job_from_row(row), status=JobState.QUEUED, attempts=attempts, started_at=None)
        for row, attempts in requeued
    ]


def renew_job_leases(connection: Database, claim: Claim) -> int:
    """Extend the lease of every unfinished job `claim.owner` holds (its heartbeat)."""
    return connection.execute(
        "UPDATE jobs SET lease_until = ? WHERE owner = ? AND status IN (?, ?)",
        (claim.lease_until, claim.owner, JobState.QUEUED.value, JobState.RUNNING.value),
    ).rowcount


def release_job_leases(connection: Database, owner: str) -> None:
    """End the leases of `owner`'s unfinished jobs (a clean stop): another replica may take them at once."""
    connection.execute(
        "UPDATE jobs SET lease_until = NULL WHERE owner = ? AND status IN (?, ?)",
        (owner, JobState.QUEUED.value, JobState.RUNNING.value),
    )


RESTART_REQUEST = "restart"
CANCEL_REQUEST_PREFIX = "cancel:"
_ACTIVE = (JobState.QUEUED.value, JobState.RUNNING.value)


def held_elsewhere(connection: Database, job: NewJob, owner: str, now: str) -> int | None:
    """The id of an unfinished job with the same key (repository, PR, head SHA, kind, name) that another live
    replica holds, if any (only PR jobs, whose PR number and head SHA are known)."""
    if job.pr_number is None or job.head_sha is None:
        return None
    row = connection.execute(
        "SELECT job_id FROM jobs WHERE repository = ? AND pr_number = ? AND head_sha = ? AND kind = ? AND name = ?"
        " AND status IN (?, ?) AND owner <> ? AND lease_until >= ? ORDER BY job_id LIMIT 1",
        (job.repository, job.pr_number, job.head_sha, job.kind, job.name, *_ACTIVE, owner, now),
    ).fetchone()
    return None if row is None else int(row["job_id"])


def request_job(connection: Database, job_id: int, request: str) -> None:
    """Ask the replica holding an unfinished job to restart (`restart`) or cancel (`cancel:<summary>`) it."""
    connection.execute(
        "UPDATE jobs SET requested = ? WHERE job_id = ? AND status IN (?, ?)", (request, job_id, *_ACTIVE)
    )


def request_cancel_elsewhere(
    connection: Database,
    owner: str,
    repository: str,
    pr_number: int,
    summary: str,
    *,
    kind: str | None,
    keep_sha: str | None,
) -> int:
    """Ask other replicas to cancel their unfinished jobs of a PR: of one `kind` (or any), and for any head SHA
    but `keep_sha` (or every SHA). Returns how many jobs were asked."""
    where = " AND kind = ?" if kind is not None else ""
    where += " AND head_sha IS NOT NULL AND head_sha <> ?" if keep_sha is not None else ""
    parameters = tuple(value for value in (kind, keep_sha) if value is not None)
    return connection.execute(
        "UPDATE jobs SET requested = ? WHERE repository = ? AND pr_number = ? AND status IN (?, ?)"  # noqa: S608
        f" AND owner <> ?{where}",
        (CANCEL_REQUEST_PREFIX + summary, repository, pr_number, *_ACTIVE, owner, *parameters),
    ).rowcount


def take_requests(connection: Database, owner: str) -> list[tuple[int, str]]:
    """What other replicas asked of `owner`'s unfinished jobs, oldest job first; the requests are cleared."""
    with transaction(connection):
        rows = connection.execute(
            "SELECT job_id, requested FROM jobs WHERE owner = ? AND requested IS NOT NULL AND status IN (?, ?)"
            " ORDER BY job_id",
            (owner, *_ACTIVE),
        ).fetchall()
        for row in rows:
            connection.execute("UPDATE jobs SET requested = NULL WHERE job_id = ?", (row["job_id"],))
    return [(int(row["job_id"]), str(row["requested"])) for row in rows]


def job_by_id(connection: Database, job_id: int) -> Job | None:
    """One job row, or `None` when the id is unknown."""
    row = connection.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    return None if row is None else _job_from_row(row)


def jobs_for_pr(
    connection: Database, repository: str, pr_number: int, statuses: Collection[JobState] | None
) -> list[Job]:
    """The jobs of one pull request in creation order, optionally only those in the given states."""
    rows = connection.execute(
        "SELECT * FROM jobs WHERE repository = ? AND pr_number = ? ORDER BY job_id", (repository, pr_number)
    ).fetchall()
    jobs = [_job_from_row(row) for row in rows]
    return jobs if statuses is None else [job for job in jobs if job.status in statuses]


def prune_finished_jobs(connection: Database, completed_before: datetime) -> int:
    """Delete finished jobs completed before the cutoff; returns how many rows went."""
    placeholders = ", ".join("?" for _ in FINISHED_JOB_STATES)
    with transaction(connection):
        cursor = connection.execute(
            f"DELETE FROM jobs WHERE status IN ({placeholders}) AND completed_at < ?",  # noqa: S608 - fixed placeholders
            (*(state.value for state in FINISHED_JOB_STATES), to_text(completed_before)),
        )
    return cursor.rowcount


def _update_one(connection: Database, sql: str, parameters: tuple[object, ...], job_id: int) -> None:
    if connection.execute(sql, parameters).rowcount != 1:
        raise UnknownJobError(f"no ledger row for job {job_id}")


def _job_from_row(row: Row) -> Job:
    created_at = from_text(row["created_at"])
    assert created_at is not None  # NOT NULL column
    return Job(
        job_id=row["job_id"],
        kind=row["kind"],
        repository=row["repository"],
        pr_number=row["pr_number"],
        head_sha=row["head_sha"],
        name=row["name"],
        spec=json.loads(row["spec"]),
        status=JobState(row["status"]),
        attempts=row["attempts"],
        delivery_id=row["delivery_id"],
        created_at=created_at,
        started_at=from_text(row["started_at"]),
        completed_at=from_text(row["completed_at"]),
        outcome=row["outcome"],
        error=row["error"],
    )
