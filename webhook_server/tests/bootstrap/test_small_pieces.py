"""Result line, repository settings to apply, hook records on disk and the cherry-pick recovery output."""

import json
from pathlib import Path
from typing import Any

import pytest

from webhook_server.libs.bootstrap.hook_records import HookRecords, new_record, record_confirms
from webhook_server.libs.bootstrap.model import BootstrapResult, PhaseFailure
from webhook_server.libs.bootstrap.recovery import cherry_pick_interrupted_output
from webhook_server.libs.bootstrap.settings import missing_settings


@pytest.mark.parametrize(
    ("result", "line"),
    [
        pytest.param(BootstrapResult("acme/widgets"), "Bootstrap acme/widgets: ok", id="ok"),
        pytest.param(
            BootstrapResult("acme/widgets", skipped=("labels",)), "Bootstrap acme/widgets: ok", id="ok-with-skips"
        ),
        pytest.param(
            BootstrapResult("acme/widgets", (PhaseFailure("protection", "branch not found: rel"),)),
            "Bootstrap acme/widgets: failed (protection: branch not found: rel)",
            id="one-failure",
        ),
        pytest.param(
            BootstrapResult("a/b", (PhaseFailure("app", "not installed"), PhaseFailure("webhook", "403 nope"))),
            "Bootstrap a/b: failed (app: not installed; webhook: 403 nope)",
            id="two-failures",
        ),
    ],
)
def test_summary_line(result: BootstrapResult, line: str) -> None:
    assert result.summary_line() == line
    assert result.ok is (not result.failures)


ALL_SET_PUBLIC: dict[str, Any] = {
    "private": False,
    "delete_branch_on_merge": True,
    "allow_auto_merge": True,
    "allow_update_branch": True,
    "security_and_analysis": {
        "secret_scanning": {"status": "enabled"},
        "secret_scanning_push_protection": {"status": "enabled"},
    },
}


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        pytest.param(ALL_SET_PUBLIC, [], id="public-all-set"),
        pytest.param({**ALL_SET_PUBLIC, "allow_auto_merge": False}, ["allow_auto_merge"], id="auto-merge-off"),
        pytest.param(
            {"private": False},
            [
                "delete_branch_on_merge",
                "allow_auto_merge",
                "allow_update_branch",
                "secret_scanning",
                "secret_scanning_push_protection",
            ],
            id="public-nothing-reported",
        ),
        pytest.param(
            {"private": True, "allow_update_branch": True},
            ["delete_branch_on_merge", "allow_auto_merge"],
            id="private-no-security-features",
        ),
        pytest.param(
            {**ALL_SET_PUBLIC, "security_and_analysis": {"secret_scanning": {"status": "disabled"}}},
            ["secret_scanning", "secret_scanning_push_protection"],
            id="scanning-disabled",
        ),
    ],
)
def test_missing_settings(repository: dict[str, Any], expected: list[str]) -> None:
    assert [name for name, _ in missing_settings(repository)] == expected


def test_security_setting_body() -> None:
    bodies = dict(missing_settings({"private": False}))
    assert bodies["secret_scanning_push_protection"] == {
        "security_and_analysis": {"secret_scanning_push_protection": {"status": "enabled"}}
    }


@pytest.mark.parametrize(
    ("written_secret", "hook_id", "current_secret", "confirmed"),
    [
        pytest.param("one", 5, "one", True, id="same-secret"),
        pytest.param("one", 5, "two", False, id="rotated-secret"),
        pytest.param("one", 6, "one", False, id="other-hook"),
        pytest.param(None, 5, None, True, id="no-secret-both"),
        pytest.param(None, 5, "new", False, id="secret-added"),
        pytest.param("old", 5, None, False, id="secret-removed"),
    ],
)
def test_record_confirms(written_secret: str | None, hook_id: int, current_secret: str | None, confirmed: bool) -> None:
    assert record_confirms(new_record(5, written_secret), hook_id, current_secret) is confirmed


def test_record_confirms_nothing_without_record() -> None:
    assert not record_confirms(None, 5, "one")


async def test_records_file_round_trip_without_the_secret(tmp_path: Path) -> None:
    records = HookRecords(tmp_path)
    assert await records.get("acme/widgets") is None
    await records.put("Acme/Widgets", new_record(11, "very-secret-value"))
    await records.put("acme/other", new_record(12, None))
    stored = await records.get("ACME/widgets")
    assert stored is not None
    assert stored.hook_id == 11
    assert record_confirms(stored, 11, "very-secret-value")
    assert "very-secret-value" not in records.path.read_text()
    assert set(json.loads(records.path.read_text())) == {"acme/widgets", "acme/other"}
    reopened = await HookRecords(tmp_path).get("acme/other")
    assert reopened is not None
    assert reopened.secret_digest is None


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{not json", id="not-json"),
        pytest.param("[1, 2]", id="not-an-object"),
        pytest.param('{"acme/widgets": {"hook_id": "x", "secret_salt": "00", "secret_digest": null}}', id="bad-id"),
        pytest.param('{"acme/widgets": {"secret_salt": "00"}}', id="missing-key"),
    ],
)
async def test_unreadable_records_are_ignored(tmp_path: Path, content: str) -> None:
    records = HookRecords(tmp_path)
    records.path.write_text(content)
    assert await records.get("acme/widgets") is None
    await records.put("acme/widgets", new_record(3, "s"))
    stored = await records.get("acme/widgets")
    assert stored is not None
    assert stored.hook_id == 3


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        pytest.param((), "Use `/cherry-pick-retry <branch>` to run it again.", id="no-target-labels"),
        pytest.param(
            ("cherry-pick-release-1.0", "hold", "cherry-pick-v2"),
            "Use `/cherry-pick-retry release-1.0`, `/cherry-pick-retry v2` to run it again.",
            id="targets-from-labels",
        ),
    ],
)
def test_cherry_pick_interrupted_output(labels: tuple[str, ...], expected: str) -> None:
    output = cherry_pick_interrupted_output(labels)
    assert output["title"] == "Cherry-pick interrupted"
    assert output["summary"].endswith(expected)
    assert "restart" in output["summary"]
