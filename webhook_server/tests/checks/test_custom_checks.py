"""Custom checks end to end against the fake GitHub: worktree, command, check run, masking, timeout."""

from __future__ import annotations

from webhook_server.tests.checks.conftest import CheckWorld


async def test_custom_check_passes_in_the_merged_worktree(world: CheckWorld) -> None:
    config = world.config(custom_check_runs=[{"name": "lint", "command": "cat feature.txt README.md"}])
    target = world.open_pr({"feature.txt": "feature\n"})
    service = world.service()
    await service.start()
    job_ids = await service.start_checks(world.repo, config, target, delivery_id="d-1")
    await service.wait_for_jobs(job_ids)
    [run] = world.runs(target.head_sha, "lint")
    assert (run["status"], run["conclusion"]) == ("completed", "success")
    assert run["output"]["title"] == "Custom Check: lint"
    assert run["output"]["summary"].startswith("Exit code 0 after ")
    assert "feature\nwidget\n" in run["output"]["text"]
