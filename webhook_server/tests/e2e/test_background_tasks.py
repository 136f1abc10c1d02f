"""Background tasks of the running server: an unexpected end is logged and a life-long task restarted;
once its restarts are spent, the health check reports it (503 `Degraded`)."""

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from webhook_server.libs.runtime.server import ServerRuntime
from webhook_server.tests.e2e.harness import RunningServer


def _spawn_lifelong(
    runtime: ServerRuntime, name: str, factory: Callable[[], Coroutine[Any, Any, None]], stable_after: float = 300.0
) -> None:
    spawned = threading.Event()

    def spawn() -> None:
        runtime.supervisor.restart_delay = 0.05
        runtime.supervisor.max_restarts = 2
        runtime.supervisor.stable_after = stable_after
        runtime.supervisor.spawn_lifelong(name, factory)
        spawned.set()

    assert runtime.loop is not None
    runtime.loop.call_soon_threadsafe(spawn)
    assert spawned.wait(timeout=10)


async def _health(server: RunningServer) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        return await client.get("/webhook_server/healthcheck")


async def _wait_for_status(server: RunningServer, status_code: int) -> httpx.Response:
    for _ in range(200):
        response = await _health(server)
        if response.status_code == status_code:
            return response
        await asyncio.sleep(0.05)
    raise TimeoutError(f"health never answered {status_code}: {response.text}")


async def test_a_crashing_lifelong_task_is_restarted_then_reported_degraded(offline_server: RunningServer) -> None:
    starts: list[int] = []

    async def crashes() -> None:
        starts.append(len(starts))
        raise OSError("disk vanished")

    assert (await _health(offline_server)).json() == {"status": 200, "message": "Alive"}
    _spawn_lifelong(offline_server.runtime, "crasher", crashes)
    response = await _wait_for_status(offline_server, 503)
    assert response.json() == {
        "status": 503,
        "message": "Degraded",
        "degraded_tasks": {"crasher": "OSError('disk vanished')"},
    }
    assert len(starts) == 3  # the first run and two restarts


async def test_a_task_that_recovers_after_a_restart_keeps_the_server_healthy(offline_server: RunningServer) -> None:
    runs: list[str] = []
    running = asyncio.Event()

    async def fails_once() -> None:
        runs.append("run")
        if len(runs) == 1:
            raise RuntimeError("first run fails")
        await asyncio.sleep(3600)

    _spawn_lifelong(offline_server.runtime, "flaky", fails_once)
    for _ in range(200):
        if len(runs) == 2:
            running.set()
            break
        await asyncio.sleep(0.05)
    assert running.is_set()
    assert (await _health(offline_server)).json() == {"status": 200, "message": "Alive"}


async def test_failures_far_apart_never_exhaust_the_restarts(offline_server: RunningServer) -> None:
    runs: list[int] = []

    async def fails_after_a_while() -> None:
        runs.append(len(runs))
        await asyncio.sleep(0.3)
        raise OSError("transient")

    _spawn_lifelong(offline_server.runtime, "slow-failer", fails_after_a_while, stable_after=0.2)
    for _ in range(200):
        if len(runs) >= 5:
            break
        await asyncio.sleep(0.05)
    assert len(runs) >= 5  # more than max_restarts (2) failures, each after a stable run
    assert (await _health(offline_server)).json() == {"status": 200, "message": "Alive"}
