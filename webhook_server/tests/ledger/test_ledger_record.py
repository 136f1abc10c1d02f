"""Intake side of the ledger: dedup by delivery id, unknown ids, durability across processes and SIGKILL."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from webhook_server.libs.pipeline.delivery import DeliveryState, RecordStatus
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.pipeline.ledger.schema import MIGRATIONS, SCHEMA_VERSION, LedgerSchemaError
from webhook_server.tests.ledger.helpers import record_delivery

PROJECT_ROOT = Path(__file__).resolve().parents[3]


async def _bring_to_state(ledger: Ledger, delivery_id: str, state: DeliveryState) -> None:
    if state is DeliveryState.QUEUED:
        return
    await ledger.mark_running(delivery_id)
    if state is DeliveryState.SUCCEEDED:
        await ledger.mark_finished(delivery_id, succeeded=True, outcome="success", error=None)
    if state is DeliveryState.FAILED:
        await ledger.mark_finished(delivery_id, succeeded=False, outcome="failed", error="RuntimeError: boom")


@pytest.mark.parametrize(
    ("existing", "expected_status", "expected_state", "expected_attempts"),
    [
        (DeliveryState.QUEUED, RecordStatus.DUPLICATE, DeliveryState.QUEUED, 0),
        (DeliveryState.RUNNING, RecordStatus.DUPLICATE, DeliveryState.RUNNING, 0),
        (DeliveryState.SUCCEEDED, RecordStatus.DUPLICATE, DeliveryState.SUCCEEDED, 0),
        (DeliveryState.FAILED, RecordStatus.QUEUED, DeliveryState.QUEUED, 1),
    ],
    ids=["queued-is-duplicate", "running-is-duplicate", "succeeded-is-duplicate", "failed-is-requeued"],
)
async def test_second_record_of_an_id_follows_the_dedup_table(
    any_ledger: Ledger,
    existing: DeliveryState,
    expected_status: RecordStatus,
    expected_state: DeliveryState,
    expected_attempts: int,
) -> None:
    first = await record_delivery(any_ledger, "d-1")
    await record_delivery(any_ledger, "d-other")
    await _bring_to_state(any_ledger, "d-1", existing)

    result = await any_ledger.record(
        header_delivery_id="d-1",
        event="pull_request",
        action="synchronize",
        repository_full_name="org/repo",
        ordering_key="pr:org/repo#1",
        headers={"X-GitHub-Delivery": "d-1"},
        body=b'{"redelivered": true}',
        received_at=datetime.now(UTC),
    )

    assert result.status is expected_status
    row = await any_ledger.status_of("d-1")
    assert row is not None
    assert row.status is expected_state
    assert row.attempts == expected_attempts
    if expected_status is RecordStatus.DUPLICATE:
        assert result.delivery is None
        assert row.seq == first.seq
    else:
        assert result.delivery is not None
        assert result.delivery.seq == row.seq
        assert row.seq > first.seq + 1, "a requeued delivery goes to the end of arrival order"
        assert result.delivery.payload == {"redelivered": True}
        assert result.delivery.attempts == 1
        assert (row.outcome, row.error, row.completed_at) == (None, None, None)


async def test_a_header_id_that_looks_generated_still_follows_the_dedup_table(any_ledger: Ledger) -> None:
    """A hostile or odd `X-GitHub-Delivery` with the prefix of generated ids is deduplicated like any other."""
    forged = "unknown-delivery-0123"
    first = await record_delivery(any_ledger, forged)
    await any_ledger.mark_running(forged)
    await any_ledger.mark_finished(forged, succeeded=False, outcome="failed", error="RuntimeError: boom")

    again = await record_delivery(any_ledger, forged)

    assert again.attempts == 1
    assert again.seq > first.seq


@pytest.mark.parametrize("header", [None, ""], ids=["header-absent", "header-empty"])
async def test_delivery_without_id_gets_a_fresh_unknown_id_and_is_never_deduplicated(
    ledger: Ledger, header: str | None
) -> None:
    first = await record_delivery(ledger, header)
    second = await record_delivery(ledger, header)

    for delivery in (first, second):
        assert re.fullmatch(r"unknown-delivery-[0-9a-f]{32}", delivery.delivery_id)
    assert first.delivery_id != second.delivery_id
    assert await ledger.queue_depth() == 2


async def test_recorded_delivery_keeps_its_fields(ledger: Ledger) -> None:
    received_at = datetime(2026, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
    result = await ledger.record(
        header_delivery_id="abc",
        event="check_run",
        action=None,
        repository_full_name="org/repo",
        ordering_key="sha:org/repo@0123",
        headers={"X-GitHub-Delivery": "abc", "X-GitHub-Hook-ID": "42"},
        body=b'{"check_run": {"head_sha": "0123"}}',
        received_at=received_at,
    )

    [resumed] = await ledger.resumable()
    assert resumed == result.delivery
    assert resumed.event == "check_run"
    assert resumed.action is None
    assert resumed.ordering_key == "sha:org/repo@0123"
    assert resumed.headers == {"X-GitHub-Delivery": "abc", "X-GitHub-Hook-ID": "42"}
    assert resumed.received_at == received_at
    assert resumed.payload == {"check_run": {"head_sha": "0123"}}
    row = await ledger.status_of("abc")
    assert row is not None
    assert row.received_at == received_at


async def test_recorded_row_is_visible_to_another_process_while_the_ledger_is_open(
    ledger: Ledger, ledger_path: Path
) -> None:
    delivery = await record_delivery(ledger, "seen-elsewhere")
    reader = textwrap.dedent(
        """
        import sqlite3, sys
        connection = sqlite3.connect(sys.argv[1])
        row = connection.execute("SELECT seq, status FROM deliveries WHERE delivery_id = ?", (sys.argv[2],)).fetchone()
        print(row[0], row[1])
        """
    )

    reader_process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", reader, str(ledger_path), "seen-elsewhere", stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await asyncio.wait_for(reader_process.communicate(), timeout=60)

    assert reader_process.returncode == 0
    assert stdout.decode().split() == [str(delivery.seq), "queued"]


_SIGKILL_CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from webhook_server.libs.pipeline.ledger import Ledger

    async def main() -> None:
        ledger = await Ledger.open(Path(sys.argv[1]))
        for number in range(50):
            result = await ledger.record(
                header_delivery_id=f"kill-{number}", event="push", action=None,
                repository_full_name="org/repo", ordering_key="ref:org/repo:refs/tags/v1",
                headers={}, body=json.dumps({"n": number}).encode(), received_at=datetime.now(UTC),
            )
            print(result.delivery.seq, flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main())
    """
)


@pytest.mark.slow
async def test_all_acknowledged_deliveries_survive_sigkill(ledger_path: Path) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _SIGKILL_CHILD,
        str(ledger_path),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert child.stdout is not None
    acknowledged = [int(await asyncio.wait_for(child.stdout.readline(), timeout=60)) for _ in range(50)]
    child.send_signal(signal.SIGKILL)
    assert await asyncio.wait_for(child.wait(), timeout=30) == -signal.SIGKILL

    reopened = await Ledger.open(ledger_path)
    try:
        resumed = await reopened.resumable()
    finally:
        await reopened.close()

    assert [delivery.seq for delivery in resumed] == acknowledged
    assert [delivery.payload["n"] for delivery in resumed] == list(range(50))


async def test_a_file_from_a_newer_schema_is_refused(ledger_path: Path) -> None:
    ledger_path.parent.mkdir(parents=True)
    connection = sqlite3.connect(ledger_path)
    connection.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    connection.close()

    with pytest.raises(LedgerSchemaError, match="newer than supported"):
        await Ledger.open(ledger_path)


async def test_reopening_keeps_rows_and_schema(ledger_path: Path) -> None:
    first = await Ledger.open(ledger_path)
    delivery = await record_delivery(first, "kept")
    await first.close()

    second = await Ledger.open(ledger_path)
    try:
        row = await second.status_of("kept")
    finally:
        await second.close()

    assert row is not None
    assert row.seq == delivery.seq


@pytest.mark.parametrize("count", [50, 1000], ids=["one-statement", "several-statements"])
async def test_concurrent_records_share_commits_and_still_deduplicate(any_ledger: Ledger, count: int) -> None:
    half = count // 2
    results = await asyncio.gather(
        *(
            any_ledger.record(
                header_delivery_id=f"burst-{number % half}",
                event="push",
                action=None,
                repository_full_name="org/repo",
                ordering_key="ref:org/repo:refs/tags/v1",
                headers={},
                body=b"{}",
                received_at=datetime.now(UTC),
            )
            for number in range(count)
        )
    )

    statuses = [result.status for result in results]
    assert statuses == [RecordStatus.QUEUED] * half + [RecordStatus.DUPLICATE] * half
    assert await any_ledger.queue_depth() == half
    seqs = [result.delivery.seq for result in results if result.delivery is not None]
    assert seqs == sorted(seqs), "arrival order is the order of seq"


async def test_a_failed_commit_fails_its_callers_and_the_next_record_works(ledger: Ledger) -> None:
    unstorable: dict[str, Any] = {"X-GitHub-Delivery": object()}

    with pytest.raises(TypeError, match="not JSON serializable"):
        await ledger.record(
            header_delivery_id="broken",
            event="push",
            action=None,
            repository_full_name="org/repo",
            ordering_key="ref:org/repo:refs/tags/v1",
            headers=unstorable,
            body=b"{}",
            received_at=datetime.now(UTC),
        )

    assert await ledger.status_of("broken") is None
    await record_delivery(ledger, "after")
    assert await ledger.queue_depth() == 1


async def test_a_version_1_file_is_upgraded_in_place(ledger_path: Path) -> None:
    ledger_path.parent.mkdir(parents=True)
    connection = sqlite3.connect(ledger_path)
    first = MIGRATIONS[0]
    assert isinstance(first, str)
    connection.executescript(first.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT", blob="BLOB"))
    connection.execute(
        "INSERT INTO deliveries (delivery_id, event, repository, ordering_key, headers, body, status, received_at)"
        " VALUES ('old', 'pull_request', 'org/repo', 'pr:org/repo#1', '{}', x'7b7d', 'queued',"
        " '2026-12-01T00:00:00.000000+00:00')"
    )
    connection.execute("PRAGMA user_version=1")
    connection.commit()
    connection.close()

    ledger = await Ledger.open(ledger_path)
    try:
        resumed = await ledger.resumable()
        await ledger.mark_running("old")
        status = await ledger.status_of("old")
    finally:
        await ledger.close()

    assert [delivery.delivery_id for delivery in resumed] == ["old"]
    assert status is not None
    assert status.status.value == "running"
    with sqlite3.connect(ledger_path) as upgraded:
        assert upgraded.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert upgraded.execute("SELECT owner FROM deliveries").fetchone()[0] == ledger.replica_id
