"""Pure shaping rules: entry mapping (§6.3), step messages (§6.7), pr-flow identifiers (§6.6), counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from webhook_server.libs.log_store.filters import FilterError
from webhook_server.libs.log_store.pr_flow import FlowTarget, build_pr_flow, parse_identifier
from webhook_server.libs.log_store.records import summary_message, to_entry
from webhook_server.libs.log_store.workflow_steps import (
    MalformedSummaryError,
    build_workflow_steps,
    step_level,
    step_message,
    validate_summary,
)
from webhook_server.tests.logs.log_files import iso, log_entry, step, summary
from webhook_server.web.logs.counts import format_count

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "pull_request/opened for repo PR #7 - completed successfully"),
        ({"status": "partial"}, "pull_request/opened for repo PR #7 - completed with partial failures"),
        ({"status": "failed", "error": {"type": "KeyError"}}, "pull_request/opened for repo PR #7 - failed (KeyError)"),
        ({"status": "failed", "error": None}, "pull_request/opened for repo PR #7 - failed"),
        ({"action": None, "pr": None, "event_type": "push"}, "push for repo - completed successfully"),
    ],
    ids=["success", "partial", "failed-with-type", "failed-without-error", "no-action-no-pr"],
)
def test_summary_message(changes: dict[str, Any], message: str) -> None:
    assert summary_message(summary("h", T0, T0) | changes) == message


def test_summary_entry_uses_completion_time_and_api_user() -> None:
    record = summary("h", T0, T0 + timedelta(seconds=5), api_user="the-bot")
    entry = to_entry(record)
    assert entry["timestamp"] == iso(T0 + timedelta(seconds=5))
    assert (entry["level"], entry["logger_name"], entry["github_user"]) == ("COMPLETED", "GithubWebhook", "the-bot")
    assert (entry["task_status"], entry["token_spend"], entry["pr_number"]) == ("success", 12, 7)


def test_record_without_type_is_a_summary() -> None:
    record = summary("h", T0, T0)
    del record["type"]
    assert to_entry(record)["level"] == "COMPLETED"


def test_log_entry_fields_are_copied() -> None:
    entry = to_entry(log_entry(T0, "hello", level="DEBUG", hook_id="h", api_user="bot", pr_number=3))
    assert entry == {
        "timestamp": iso(T0),
        "level": "DEBUG",
        "logger_name": "webhook-server.log",
        "message": "hello",
        "hook_id": "h",
        "event_type": None,
        "repository": None,
        "pr_number": 3,
        "github_user": "bot",
        "task_id": None,
        "task_type": None,
        "task_status": None,
        "token_spend": None,
    }


@pytest.mark.parametrize(
    ("record", "message", "level"),
    [
        (step(T0, "completed", 250), "tox: completed (250ms)", "INFO"),
        (step(T0, "started", None), "tox: started", "DEBUG"),
        (step(T0, "failed", 10, {"type": "E", "message": "boom", "traceback": "tb"}), "tox: failed - boom", "ERROR"),
        (step(T0, "completed", None), "tox: completed", "INFO"),
    ],
    ids=["completed", "started", "failed", "no-duration"],
)
def test_step_message_and_level(record: dict[str, Any], message: str, level: str) -> None:
    assert step_message("tox", record) == message
    assert step_level(record) == level


@pytest.mark.parametrize(
    "broken",
    [
        {"timing": "soon"},
        {"timing": {"completed_at": "x"}},
        {"workflow_steps": {}},
        {"workflow_steps": []},
        {"pr": 7},
        {"workflow_steps": {"a": {"status": "completed"}}},
        {"workflow_steps": {"a": "done"}},
    ],
    ids=[
        "timing-not-object",
        "no-started-at",
        "no-steps",
        "steps-not-object",
        "pr-not-object",
        "step-no-time",
        "step-str",
    ],
)
def test_malformed_summaries_are_rejected(broken: dict[str, Any]) -> None:
    with pytest.raises(MalformedSummaryError):
        validate_summary(summary("h", T0, T0) | broken)


def test_workflow_steps_are_sorted_with_relative_times() -> None:
    steps = {
        "later": step(T0 + timedelta(seconds=2), duration_ms=500),
        "first": step(T0, duration_ms=2000),
        "broken": step(T0 + timedelta(seconds=3), "failed", 5, {"type": "E", "message": "bad", "traceback": "t"}),
    }
    response = build_workflow_steps("h", summary("h", T0, T0 + timedelta(seconds=4), steps=steps))
    assert [item["step_name"] for item in response["steps"]] == ["first", "later", "broken"]
    assert [item["relative_time_ms"] for item in response["steps"]] == [0, 2000, 3000]
    assert response["steps"][2]["level"] == "ERROR"
    assert (response["total_duration_ms"], response["step_count"], response["success"]) == (4000, 3, True)


def test_live_summary_is_running() -> None:
    live = summary("h", T0, T0, steps={})
    live["timing"] = {"started_at": iso(T0), "completed_at": None, "duration_ms": None}
    response = build_workflow_steps("h", live, live=True)
    assert response["success"] is None
    assert response["total_duration_ms"] > 0


@pytest.mark.parametrize(
    ("identifier", "target"),
    [
        ("hook-abc", FlowTarget(hook_id="abc")),
        ("pr-12", FlowTarget(pr_number=12)),
        ("42", FlowTarget(pr_number=42)),
        ("7f0c-delivery", FlowTarget(hook_id="7f0c-delivery")),
    ],
    ids=["hook-prefix", "pr-prefix", "digits", "other"],
)
def test_flow_identifiers(identifier: str, target: FlowTarget) -> None:
    assert parse_identifier(identifier) == target


def test_pr_prefix_needs_a_number() -> None:
    with pytest.raises(FilterError):
        parse_identifier("pr-x")


def test_pr_flow_stages() -> None:
    def at(second: int, message: str, level: str = "INFO") -> dict[str, Any]:
        return to_entry(log_entry(T0 + timedelta(seconds=second), message, level=level))

    entries = [
        at(3, "Added reviewer bob"),
        at(0, "Processing webhook for org/repo"),
        at(5, "Adding label size/M"),
        at(9, "check run tox completed"),
        at(12, "Webhook processing completed successfully"),
        at(11, "Oops", "ERROR"),
    ]
    flow = build_pr_flow("hook-x", entries)
    names = [stage["name"] for stage in flow["stages"]]
    assert names == [
        "Webhook Received",
        "Validation Complete",
        "Reviewers Assigned",
        "Labels Applied",
        "Checks Started",
        "Checks Complete",
        "Processing Complete",
    ]
    assert flow["stages"][0]["duration_ms"] is None
    assert flow["stages"][2]["duration_ms"] == 3000
    assert (flow["total_duration_ms"], flow["success"], flow["error"]) == (12000, False, "Oops")


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "0"), (999, "999"), (1000, "1.0K"), (12_345, "12.3K"), (999_999, "1.0M"), (2_500_000, "2.5M")],
    ids=["zero", "below-1000", "thousand", "thousands", "rounds-to-million", "millions"],
)
def test_count_format(count: int, text: str) -> None:
    assert format_count(count) == text
