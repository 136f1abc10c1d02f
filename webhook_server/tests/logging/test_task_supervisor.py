"""`TaskSupervisor` and `log_unexpected_end` on real asyncio tasks: how each kind of end is logged."""

import asyncio
import logging

import pytest

from webhook_server.libs.runtime.supervisor import TaskSupervisor, log_unexpected_end

LOGGER_NAME = "webhook_server.libs.runtime.supervisor"


async def _fails() -> None:
    raise ValueError("boom")


async def _returns() -> None:
    return None


async def _forever() -> None:
    await asyncio.sleep(3600)


@pytest.mark.parametrize(
    ("work", "expected"),
    [(_fails, "Background task t failed"), (_returns, "Background task t ended unexpectedly")],
    ids=["exception", "returned"],
)
async def test_log_unexpected_end(caplog: pytest.LogCaptureFixture, work: object, expected: str) -> None:
    caplog.set_level(logging.ERROR, LOGGER_NAME)
    task = asyncio.create_task(work(), name="t")  # type: ignore[operator]
    task.add_done_callback(log_unexpected_end)
    await asyncio.gather(task, return_exceptions=True)
    await asyncio.sleep(0)
    assert [record.getMessage() for record in caplog.records] == [expected]


async def test_cancelled_task_is_not_reported(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, LOGGER_NAME)
    task = asyncio.create_task(_forever(), name="t")
    task.add_done_callback(log_unexpected_end)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await asyncio.sleep(0)
    assert caplog.records == []


async def test_one_off_failure_is_logged_and_not_restarted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, LOGGER_NAME)
    supervisor = TaskSupervisor(restart_delay=0.01)
    supervisor.spawn("once", _fails())
    await asyncio.sleep(0.1)
    assert [record.getMessage() for record in caplog.records] == ["Background task once failed"]
    assert supervisor.degraded() == {}


async def test_lifelong_task_that_returns_is_restarted_then_degraded(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, LOGGER_NAME)
    supervisor = TaskSupervisor(restart_delay=0.01, max_restarts=1)
    supervisor.spawn_lifelong("loop", _returns)
    for _ in range(100):
        if supervisor.degraded():
            break
        await asyncio.sleep(0.01)
    assert supervisor.degraded() == {"loop": "ended"}
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0] == "Background task loop ended although it must run for the server's life"
    assert "Restarting background task loop in 0.0 s (restart 1)" in messages
    assert messages[-1] == "Background task loop is not restarted again (1 restarts): ended"


async def test_cancel_all_stops_lifelong_tasks_without_restarting(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, LOGGER_NAME)
    supervisor = TaskSupervisor(restart_delay=0.01)
    supervisor.spawn_lifelong("loop", _forever)
    await asyncio.sleep(0)
    await supervisor.cancel_all()
    await asyncio.sleep(0.05)
    assert caplog.records == []
    assert supervisor.degraded() == {}
