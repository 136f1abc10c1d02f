"""The ledger's idempotency tables: `effects` (intake.md §4.4) and owned `check_runs` (checks.md §2).

Every function takes the ledger's single connection and runs on the ledger thread, never on the event loop.
"""

from __future__ import annotations

from datetime import datetime

from webhook_server.libs.pipeline.ledger.database import Database, transaction
from webhook_server.libs.pipeline.ledger.schema import to_text, utc_now_text

EFFECTS_RETENTION_DAYS = 180


def effect_get(connection: Database, key: str) -> str | None:
    """The value recorded for an effect key, or `None` when the effect is not recorded."""
    row = connection.execute("SELECT value FROM effects WHERE effect_key = ?", (key,)).fetchone()
    return None if row is None else str(row["value"])


def effect_put(connection: Database, key: str, value: str) -> None:
    """Record (or overwrite) the value of a performed effect."""
    connection.execute(
        "INSERT INTO effects (effect_key, value, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (effect_key) DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
        (key, value, utc_now_text()),
    )


def check_run_get(connection: Database, repository: str, head_sha: str, name: str) -> int | None:
    """Id of the check run we own for (repository, head SHA, name), if recorded."""
    row = connection.execute(
        "SELECT check_run_id FROM check_runs WHERE repository = ? AND head_sha = ? AND name = ?",
        (repository, head_sha, name),
    ).fetchone()
    return None if row is None else int(row["check_run_id"])


def check_run_put(connection: Database, repository: str, head_sha: str, name: str, check_run_id: int) -> None:
    """Record (or replace) the id of the check run we own for (repository, head SHA, name)."""
    connection.execute(
        "INSERT INTO check_runs (repository, head_sha, name, check_run_id, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (repository, head_sha, name) DO UPDATE SET check_run_id = excluded.check_run_id,"
        " created_at = excluded.created_at",
        (repository, head_sha, name, check_run_id, utc_now_text()),
    )


def prune_records(connection: Database, created_before: datetime) -> int:
    """Delete effects and check-run records created before the cutoff; returns how many rows went."""
    cutoff = to_text(created_before)
    with transaction(connection):
        effects = connection.execute("DELETE FROM effects WHERE created_at < ?", (cutoff,)).rowcount
        check_runs = connection.execute("DELETE FROM check_runs WHERE created_at < ?", (cutoff,)).rowcount
    return effects + check_runs
