"""Background work that belongs to no delivery and holds no lane (delayed re-evaluations, post-merge refresh)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from webhook_server.libs.pipeline.dispatcher import detached_context

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

BACKGROUND_TASKS_EXTENSION = "background_tasks"


def background_tasks(webhook: GithubWebhook) -> set[asyncio.Task[None]]:
    """The running background tasks (kept in `services.extensions` so the runtime can cancel them at stop)."""
    tasks: set[asyncio.Task[None]] = webhook.services.extensions.setdefault(BACKGROUND_TASKS_EXTENSION, set())
    return tasks


def schedule_background(webhook: GithubWebhook, work: Coroutine[Any, Any, None], *, name: str) -> None:
    """Run `work` as a task that holds no lane; its failure is logged, never raised."""

    async def contained() -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            LOGGER.exception("Background task %s failed", name)

    task = asyncio.create_task(contained(), name=name, context=detached_context())
    tasks = background_tasks(webhook)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
