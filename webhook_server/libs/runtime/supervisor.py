"""Background tasks of the runtime: every task gets a done-callback that logs an unexpected end; a task
that must run for the server's life is restarted, and reported degraded once its restarts are spent."""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

LOGGER = logging.getLogger(__name__)

TaskFactory = Callable[[], Coroutine[Any, Any, None]]


def log_unexpected_end(task: asyncio.Task[Any]) -> None:
    """Done-callback for a task that should only end by cancellation: log any other end."""
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        LOGGER.error("Background task %s failed", task.get_name(), exc_info=error)
    else:
        LOGGER.error("Background task %s ended unexpectedly", task.get_name())


@dataclass
class _Lifelong:
    factory: TaskFactory
    restarts: int = 0
    started_at: float = 0.0


class TaskSupervisor:
    """Spawns named background tasks and watches how they end."""

    def __init__(self, *, restart_delay: float = 1.0, max_restarts: int = 5, stable_after: float = 300.0) -> None:
        """`max_restarts` in a row: a run that lasted `stable_after` seconds starts the count again."""
        self.restart_delay = restart_delay
        self.max_restarts = max_restarts
        self.stable_after = stable_after
        self._tasks: set[asyncio.Task[None]] = set()
        self._lifelong: dict[str, _Lifelong] = {}
        self._degraded: dict[str, str] = {}
        self._stopping = False

    def spawn(self, name: str, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a one-off task (for example a bootstrap run); an exception ending it is logged."""
        self._start(name, coroutine, lifelong=False)

    def spawn_lifelong(self, name: str, factory: TaskFactory) -> None:
        """Run `factory()` for the server's life: any end but cancellation is logged and restarted."""
        self._lifelong[name] = _Lifelong(factory, started_at=asyncio.get_running_loop().time())
        self._start(name, factory(), lifelong=True)

    def degraded(self) -> dict[str, str]:
        """Life-long tasks that ended and are no longer restarted, with the reason."""
        return dict(self._degraded)

    def _start(self, name: str, coroutine: Coroutine[Any, Any, None], *, lifelong: bool) -> None:
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._ended(done, lifelong=lifelong))

    def _ended(self, task: asyncio.Task[None], *, lifelong: bool) -> None:
        self._tasks.discard(task)
        if task.cancelled() or self._stopping:
            return
        error = task.exception()
        name = task.get_name()
        if error is not None:
            LOGGER.error("Background task %s failed", name, exc_info=error)
        elif lifelong:
            LOGGER.error("Background task %s ended although it must run for the server's life", name)
        if lifelong:
            self._restart_later(name, repr(error) if error is not None else "ended")

    def _restart_later(self, name: str, reason: str) -> None:
        record = self._lifelong[name]
        if asyncio.get_running_loop().time() - record.started_at >= self.stable_after:
            record.restarts = 0
        if record.restarts >= self.max_restarts:
            LOGGER.critical(
                "Background task %s is not restarted again (%d restarts): %s", name, record.restarts, reason
            )
            self._degraded[name] = reason
            return
        record.restarts += 1
        LOGGER.warning(
            "Restarting background task %s in %.1f s (restart %d)", name, self.restart_delay, record.restarts
        )
        asyncio.get_running_loop().call_later(self.restart_delay, self._restart, name)

    def _restart(self, name: str) -> None:
        if not self._stopping:
            record = self._lifelong[name]
            record.started_at = asyncio.get_running_loop().time()
            self._start(name, record.factory(), lifelong=True)

    async def cancel_all(self) -> None:
        """Cancel every task and wait for them (at shutdown)."""
        self._stopping = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for task, result in zip(tasks, results, strict=True):
            if isinstance(result, Exception):
                LOGGER.error("Background task %s failed while stopping", task.get_name(), exc_info=result)
