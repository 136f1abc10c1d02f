"""Missed-delivery recovery: the look-back window and which hook deliveries are asked for again."""

from datetime import UTC, datetime, timedelta

import pytest

from webhook_server.libs.rules.redelivery import CLOCK_SKEW, DeliveryAttempt, redelivery_choices, window_start

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


@pytest.mark.parametrize(
    ("last_seen", "expected"),
    [
        pytest.param(None, NOW - DAY, id="empty-ledger-full-look-back"),
        pytest.param(NOW - timedelta(hours=2), NOW - timedelta(hours=2) - CLOCK_SKEW, id="since-last-delivery"),
        pytest.param(NOW - timedelta(days=3), NOW - DAY, id="bounded-by-look-back"),
    ],
)
def test_window_start(last_seen: datetime | None, expected: datetime) -> None:
    assert window_start(NOW, DAY, last_seen) == expected


def attempt(attempt_id: int, guid: str, status_code: int) -> DeliveryAttempt:
    return DeliveryAttempt(attempt_id, guid, NOW, status_code, "pull_request", "opened")


@pytest.mark.parametrize(
    ("attempts", "known", "requested", "expected_ids"),
    [
        pytest.param([attempt(1, "a", 0)], set(), set(), [1], id="failed-unknown"),
        pytest.param([attempt(1, "a", 503)], set(), set(), [1], id="answered-5xx-unknown"),
        pytest.param([attempt(1, "a", 200)], set(), set(), [], id="answered-2xx"),
        pytest.param([attempt(1, "a", 0)], {"a"}, set(), [], id="failed-but-ledger-knows-it"),
        pytest.param([attempt(1, "a", 0)], set(), {"a"}, [], id="asked-for-before"),
        pytest.param([attempt(1, "a", 0), attempt(5, "a", 0)], set(), set(), [5], id="newest-attempt-of-an-event"),
        pytest.param([attempt(1, "a", 0), attempt(5, "a", 202)], set(), set(), [], id="a-later-attempt-succeeded"),
        pytest.param(
            [attempt(9, "b", 0), attempt(3, "a", 0), attempt(4, "c", 200)], set(), set(), [3, 9], id="oldest-first"
        ),
    ],
)
def test_redelivery_choices(
    attempts: list[DeliveryAttempt], known: set[str], requested: set[str], expected_ids: list[int]
) -> None:
    assert [chosen.attempt_id for chosen in redelivery_choices(attempts, known, requested)] == expected_ids


def test_attempt_from_githubs_json() -> None:
    item = {
        "id": 42,
        "guid": "58474f00-b361-11eb-836d-0e4f3503ccbe",
        "delivered_at": "2021-05-12T20:33:44Z",
        "redelivery": False,
        "duration": 0.03,
        "status": "failed to connect",
        "status_code": 0,
        "event": "issues",
        "action": "opened",
        "installation_id": None,
        "repository_id": 1,
    }
    parsed = DeliveryAttempt.from_json(item)
    assert parsed == DeliveryAttempt(
        42, "58474f00-b361-11eb-836d-0e4f3503ccbe", datetime(2021, 5, 12, 20, 33, 44, tzinfo=UTC), 0, "issues", "opened"
    )
    assert not parsed.succeeded
