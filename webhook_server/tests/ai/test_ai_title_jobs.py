"""AI title jobs left by a previous process are not resumed: they end `failed` with the restart reason."""

from __future__ import annotations

from pathlib import Path

from webhook_server.libs.pipeline.ledger import LEDGER_FILE_NAME, JobState, Ledger
from webhook_server.libs.pr.ai_title import AI_TITLE_JOB_KIND, INTERRUPTED_ERROR, abandon_interrupted_title_job


async def test_interrupted_title_job_is_marked_failed(tmp_path: Path) -> None:
    ledger = await Ledger.open(tmp_path / LEDGER_FILE_NAME)
    try:
        job_id = await ledger.add_job(
            kind=AI_TITLE_JOB_KIND,
            repository="org/repo",
            pr_number=1,
            head_sha="a" * 40,
            name="conventional-title",
            spec={"title": "add a", "mode": "fix"},
            delivery_id="d-1",
        )
        await ledger.mark_job_running(job_id)
        job = await ledger.job(job_id)
        assert job is not None

        await abandon_interrupted_title_job(ledger, job)

        ended = await ledger.job(job_id)
        assert ended is not None
        assert (ended.status, ended.error) == (JobState.FAILED, INTERRUPTED_ERROR)
        assert all(item.job_id != job_id for item in await ledger.resumable_jobs())
    finally:
        await ledger.close()
