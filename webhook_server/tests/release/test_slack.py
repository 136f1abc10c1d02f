"""Slack notifications (`release.md` §5) against a real HTTP receiver: JSON `{"text": ...}`, a timeout, and
failures that are logged at WARNING and never raised."""

from __future__ import annotations

import logging

import pytest

from webhook_server.libs.release.slack import send_slack
from webhook_server.tests.e2e.harness import free_port
from webhook_server.tests.release.servers import SlackReceiver


async def test_a_message_is_posted_as_json(slack: SlackReceiver) -> None:
    assert await send_slack(slack.url("ok"), "org/app version v1 was published to PyPI") is True
    assert "org/app version v1 was published to PyPI" in slack.texts("ok")


@pytest.mark.parametrize(
    ("mode", "timeout", "logged"),
    [("fail", 10.0, "HTTP 500"), ("slow", 0.3, "ReadTimeout")],
    ids=["non-2xx-answer", "timeout"],
)
async def test_a_failed_post_is_logged_not_raised(
    slack: SlackReceiver, caplog: pytest.LogCaptureFixture, mode: str, timeout: float, logged: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="webhook_server.libs.release.slack"):
        assert await send_slack(slack.url(mode), "hello", timeout_seconds=timeout) is False
    assert logged in caplog.text


async def test_an_unreachable_receiver_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="webhook_server.libs.release.slack"):
        assert await send_slack(f"http://127.0.0.1:{free_port()}/nobody", "hello") is False
    assert "ConnectError" in caplog.text


async def test_no_url_sends_nothing(slack: SlackReceiver) -> None:
    before = len(slack.messages)
    assert await send_slack(None, "hello") is False
    assert len(slack.messages) == before
