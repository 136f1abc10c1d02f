"""The per-delivery context: steps, outcome, API spend, summary record (logging-and-viewer.md §4, §5.2)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from webhook_server.utils.context import (
    DeliveryContext,
    bind_context,
    child_context,
    current_context,
)

SUMMARY_KEYS = [
    "hook_id",
    "level",
    "status",
    "event_type",
    "action",
    "sender",
    "repository",
    "repository_full_name",
    "pr",
    "api_user",
    "timing",
    "workflow_steps",
    "token_spend",
    "initial_rate_limit",
    "final_rate_limit",
    "success",
    "error",
    "summary",
    "type",
]


def make_context(**overrides: Any) -> DeliveryContext:
    values: dict[str, Any] = {
        "hook_id": "delivery-1",
        "event_type": "pull_request",
        "repository": "repo",
        "repository_full_name": "org/repo",
        "action": "opened",
        "sender": "alice",
    }
    values.update(overrides)
    return DeliveryContext(**values)


def test_start_step_records_started_state() -> None:
    ctx = make_context()
    key = ctx.start_step("repo_fetch", refs=["main"])
    record = ctx.workflow_steps[key]
    assert key == "repo_fetch"
    assert record["status"] == "started"
    assert record["error"] is None
    assert record["refs"] == ["main"]
    assert datetime.fromisoformat(record["timestamp"]).tzinfo is not None


def test_complete_step_sets_duration_and_merges_data() -> None:
    ctx = make_context()
    ctx.start_step("pr_handler", action="opened")
    ctx.complete_step("pr_handler", labels=2)
    record = ctx.workflow_steps["pr_handler"]
    assert record["status"] == "completed"
    assert isinstance(record["duration_ms"], int)
    assert record["duration_ms"] >= 0
    assert record["error"] is None
    assert (record["action"], record["labels"]) == ("opened", 2)


def test_never_started_step_has_no_duration() -> None:
    ctx = make_context()
    before = datetime.now(UTC)
    ctx.complete_step("check_merge_eligibility", can_merge=False)
    record = ctx.workflow_steps["check_merge_eligibility"]
    assert record["status"] == "completed"
    assert record["duration_ms"] is None
    assert datetime.fromisoformat(record["timestamp"]) >= before - timedelta(seconds=1)


def test_restarting_a_finished_step_uses_numbered_keys() -> None:
    ctx = make_context()
    assert ctx.start_step("label_merge_state") == "label_merge_state"
    ctx.complete_step("label_merge_state")
    assert ctx.start_step("label_merge_state") == "label_merge_state#2"
    ctx.complete_step("label_merge_state", has_conflicts=True)
    assert ctx.start_step("label_merge_state") == "label_merge_state#3"
    assert ctx.workflow_steps["label_merge_state"]["status"] == "completed"
    assert ctx.workflow_steps["label_merge_state#2"]["has_conflicts"] is True
    assert ctx.workflow_steps["label_merge_state#3"]["status"] == "started"


def test_complete_finishes_the_latest_open_record() -> None:
    ctx = make_context()
    ctx.start_step("repo_fetch")
    ctx.complete_step("repo_fetch")
    ctx.start_step("repo_fetch")
    ctx.complete_step("repo_fetch", refs=1)
    assert ctx.workflow_steps["repo_fetch#2"]["status"] == "completed"
    assert ctx.workflow_steps["repo_fetch#2"]["refs"] == 1
    assert "refs" not in ctx.workflow_steps["repo_fetch"]


def test_starting_an_unfinished_step_again_restarts_it() -> None:
    ctx = make_context()
    ctx.start_step("repo_config")
    assert ctx.start_step("repo_config", attempt=2) == "repo_config"
    assert list(ctx.workflow_steps) == ["repo_config"]
    assert ctx.workflow_steps["repo_config"]["attempt"] == 2


def test_completing_a_finished_step_again_adds_a_new_record() -> None:
    ctx = make_context()
    ctx.complete_step("push_handler")
    ctx.complete_step("push_handler")
    assert list(ctx.workflow_steps) == ["push_handler", "push_handler#2"]


def test_step_data_never_overwrites_protected_keys() -> None:
    ctx = make_context()
    ctx.start_step("s", timestamp="bogus", status="bogus", error="bogus", duration_ms=-1, extra=1)
    started = ctx.workflow_steps["s"]
    assert (started["status"], started["error"], started["extra"]) == ("started", None, 1)
    assert started["timestamp"] != "bogus"
    assert "duration_ms" not in started
    ctx.complete_step("s", status="failed", error="x", duration_ms=999999, timestamp="t")
    done = ctx.workflow_steps["s"]
    assert (done["status"], done["error"]) == ("completed", None)
    assert done["duration_ms"] != 999999
    assert done["timestamp"] == started["timestamp"]


def test_fail_step_records_error() -> None:
    ctx = make_context()
    ctx.start_step("repo_fetch")
    ctx.fail_step("repo_fetch", ValueError("bad ref"), "Traceback: here", refs=0, status="completed")
    record = ctx.workflow_steps["repo_fetch"]
    assert record["status"] == "failed"
    assert record["error"] == {"type": "ValueError", "message": "bad ref", "traceback": "Traceback: here"}
    assert record["refs"] == 0
    assert isinstance(record["duration_ms"], int)
    assert ctx.success is True


def test_fail_step_without_traceback_formats_the_exception() -> None:
    ctx = make_context()
    try:
        raise KeyError("missing")
    except KeyError as exc:
        ctx.fail_step("repo_config", exc)
    error = ctx.workflow_steps["repo_config"]["error"]
    assert error["type"] == "KeyError"
    assert "Traceback (most recent call last)" in error["traceback"]
    assert "KeyError: 'missing'" in error["traceback"]


async def test_step_context_manager_completes_with_handle_data() -> None:
    ctx = make_context()
    async with ctx.step("check_merge_eligibility", coalesced_into=None) as handle:
        handle.data["can_merge"] = False
        handle.data["reason"] = "missing approvals"
    record = ctx.workflow_steps[handle.key]
    assert record["status"] == "completed"
    assert (record["can_merge"], record["reason"], record["coalesced_into"]) == (False, "missing approvals", None)
    assert ctx.status == "success"


async def test_step_context_manager_fails_and_reraises() -> None:
    ctx = make_context()

    async def failing_handler() -> None:
        async with ctx.step("pr_handler") as handle:
            handle.data["action"] = "opened"
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await failing_handler()
    record = ctx.workflow_steps["pr_handler"]
    assert record["status"] == "failed"
    assert record["action"] == "opened"
    assert record["error"]["type"] == "RuntimeError"
    assert record["error"]["message"] == "boom"
    assert 'raise RuntimeError("boom")' in record["error"]["traceback"]
    assert ctx.status == "partial"


async def test_step_context_manager_leaves_cancelled_step_started() -> None:
    ctx = make_context()
    with pytest.raises(asyncio.CancelledError):
        async with ctx.step("pr_cicd_execution"):
            raise asyncio.CancelledError
    assert ctx.workflow_steps["pr_cicd_execution"]["status"] == "started"
    assert ctx.status == "success"


async def test_second_step_with_same_name_gets_numbered_key() -> None:
    ctx = make_context()
    async with ctx.step("job:check:tox"):
        pass
    async with ctx.step("job:check:tox") as second:
        pass
    assert second.key == "job:check:tox#2"


@pytest.mark.parametrize(
    ("success", "step_statuses", "expected"),
    [
        (True, [], "success"),
        (True, ["completed", "started"], "success"),
        (True, ["completed", "failed"], "partial"),
        (False, ["completed"], "failed"),
        (False, ["failed"], "failed"),
    ],
    ids=["no-steps", "unfinished-step-is-not-a-failure", "failed-step-is-partial", "escaped-error", "both"],
)
def test_status(success: bool, step_statuses: list[str], expected: str) -> None:
    ctx = make_context(success=success)
    for index, status in enumerate(step_statuses):
        ctx.workflow_steps[f"s{index}"] = {"status": status}
    assert ctx.status == expected


def test_can_merge_false_is_still_success() -> None:
    ctx = make_context()
    ctx.complete_step("check_merge_eligibility", can_merge=False, reason="not approved")
    assert ctx.status == "success"


def test_record_failure_marks_the_delivery_failed() -> None:
    ctx = make_context()
    try:
        raise ConnectionError("network down")
    except ConnectionError as exc:
        ctx.record_failure(exc)
    assert ctx.success is False
    assert ctx.error is not None
    assert ctx.error["type"] == "ConnectionError"
    assert ctx.error["message"] == "network down"
    assert "ConnectionError: network down" in ctx.error["traceback"]
    assert ctx.status == "failed"


def test_record_api_response_counts_and_tracks_remaining() -> None:
    ctx = make_context(initial_rate_limit=5000)
    ctx.record_api_response(remaining=4999)
    ctx.record_api_response(remaining=None)
    assert (ctx.token_spend, ctx.final_rate_limit, ctx.initial_rate_limit) == (2, 4999, 5000)


def test_record_api_response_is_thread_safe() -> None:
    ctx = make_context()

    def count() -> None:
        for _ in range(2000):
            ctx.record_api_response(remaining=1)

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ctx.token_spend == 16000


def test_log_prefix_grows_with_api_user_and_pr() -> None:
    ctx = make_context(hook_id="d[1]")
    assert ctx.log_prefix() == "repo [pull_request][d\\[1\\]]: "
    ctx.api_user = "bot"
    ctx.pr_number = 4
    assert ctx.log_prefix() == "repo [pull_request][d\\[1\\]][bot][PR 4]: "


def test_summary_record_has_exactly_the_spec_keys() -> None:
    started = datetime(2026, 1, 5, 10, 0, 0, tzinfo=UTC)
    ctx = make_context(
        started_at=started,
        completed_at=started + timedelta(seconds=7, milliseconds=712),
        pr_number=12,
        pr_title="Add feature",
        pr_author="bob",
        api_user="bot",
        token_spend=35,
        initial_rate_limit=5000,
        final_rate_limit=4965,
    )
    ctx.complete_step("pr_handler", action="opened")
    record = ctx.summary_record()
    assert list(record) == SUMMARY_KEYS
    assert record["level"] == "COMPLETED"
    assert record["type"] == "webhook_summary"
    assert record["status"] == "success"
    assert record["pr"] == {"number": 12, "title": "Add feature", "author": "bob"}
    assert record["timing"] == {
        "started_at": "2026-01-05T10:00:00+00:00",
        "completed_at": "2026-01-05T10:00:07.712000+00:00",
        "duration_ms": 7712,
    }
    assert record["summary"] == ctx.summary_line()
    assert record["summary"].startswith("[SUCCESS] Webhook completed PR#12 [7s712ms, tokens:35] steps=[pr_handler:")
    assert (record["token_spend"], record["initial_rate_limit"], record["final_rate_limit"]) == (35, 5000, 4965)
    assert record["error"] is None


def test_summary_record_without_pr_and_while_running() -> None:
    ctx = make_context()
    record = ctx.summary_record()
    assert record["pr"] is None
    assert record["api_user"] == ""
    assert record["timing"]["completed_at"] is None
    assert record["timing"]["duration_ms"] >= 0


def test_summary_record_copies_step_records() -> None:
    ctx = make_context()
    ctx.start_step("repo_fetch")
    record = ctx.summary_record()
    ctx.complete_step("repo_fetch")
    assert record["workflow_steps"]["repo_fetch"]["status"] == "started"


def test_completion_line_uses_spend_and_limits() -> None:
    ctx = make_context(token_spend=3, initial_rate_limit=10, final_rate_limit=7)
    assert ctx.completion_line("partial") == (
        "Webhook processing completed successfully: partial - Token spend: 3 API calls (initial: 10, remaining: 7)"
    )


def test_bind_context_sets_and_restores() -> None:
    outer = make_context(hook_id="outer")
    inner = make_context(hook_id="inner")
    assert current_context() is None
    with bind_context(outer):
        assert current_context() is outer
        with bind_context(inner) as bound:
            assert bound is inner
            assert current_context() is inner
        assert current_context() is outer
    assert current_context() is None


async def test_bound_context_reaches_tasks_and_threads() -> None:
    ctx = make_context()

    async def read_in_task() -> DeliveryContext | None:
        return current_context()

    with bind_context(ctx):
        in_task = await asyncio.create_task(read_in_task())
        in_thread = await asyncio.to_thread(current_context)
    assert in_task is ctx
    assert in_thread is ctx


def test_child_context_shares_hook_and_steps_and_counts_into_parent() -> None:
    parent = make_context(api_user="bot", pr_number=3)
    parent.start_step("pr_cicd_execution")
    child = child_context(parent, api_user="other-bot")
    assert (child.hook_id, child.pr_number, child.api_user) == ("delivery-1", 3, "other-bot")
    child.start_step("job:check:tox")
    child.complete_step("job:check:tox", conclusion="success")
    child.record_api_response(remaining=99)
    child.record_failure(RuntimeError("job crashed"))
    parent.complete_step("pr_cicd_execution")
    assert parent.workflow_steps["job:check:tox"]["conclusion"] == "success"
    assert parent.workflow_steps["pr_cicd_execution"]["duration_ms"] is not None
    assert (child.token_spend, parent.token_spend) == (1, 1)
    assert parent.final_rate_limit == 99
    assert (parent.success, child.success) == (True, False)
