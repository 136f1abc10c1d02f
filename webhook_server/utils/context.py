"""The per-delivery structured context: identity, steps, timing, API spend and outcome.

One ``DeliveryContext`` per delivery (logging-and-viewer.md §4), held in a context variable so
every log record and the final ``webhook_summary`` record carry it. Jobs get a child context that
shares the delivery's ``hook_id`` and step table.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from webhook_server.utils import log_format

PROTECTED_STEP_KEYS = frozenset({"timestamp", "status", "error", "duration_ms"})
STEP_STARTED = "started"
STEP_COMPLETED = "completed"
STEP_FAILED = "failed"

_CURRENT: ContextVar[DeliveryContext | None] = ContextVar("delivery_context", default=None)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _error_record(exc: BaseException, tb: str | None) -> dict[str, str]:
    text = tb if tb is not None else "".join(traceback.format_exception(exc))
    return {"type": type(exc).__name__, "message": str(exc), "traceback": text}


def _step_data(data: dict[str, Any]) -> dict[str, Any]:
    """Extra step data without the keys the step record owns."""
    return {key: value for key, value in data.items() if key not in PROTECTED_STEP_KEYS}


@dataclass
class StepHandle:
    """What ``DeliveryContext.step`` yields: the step's key and data to merge at the end, and a problem
    that fails the step without an exception escaping (``failure``, recorded without a traceback)."""

    key: str
    data: dict[str, Any] = field(default_factory=dict)
    failure: Exception | None = None


@dataclass(kw_only=True)
class DeliveryContext:
    """Everything known about one delivery while it is processed (keyword-only constructor)."""

    hook_id: str
    event_type: str
    repository: str
    repository_full_name: str
    action: str | None = None
    sender: str | None = None
    pr_number: int | None = None
    pr_title: str | None = None
    pr_author: str | None = None
    api_user: str = ""
    started_at: datetime = field(default_factory=_utc_now)
    completed_at: datetime | None = None
    workflow_steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_spend: int = 0
    initial_rate_limit: int | None = None
    final_rate_limit: int | None = None
    success: bool = True
    error: dict[str, str] | None = None
    parent: DeliveryContext | None = field(default=None, repr=False, compare=False)
    _step_clock: dict[str, float] = field(default_factory=dict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    # ---- steps -------------------------------------------------------------------------------

    def _key_chain(self, name: str) -> Iterator[str]:
        """``name``, ``name#2``, ``name#3``, ... up to and including the first unused key."""
        key = name
        yield key
        number = 2
        while key in self.workflow_steps:
            key = f"{name}#{number}"
            yield key
            number += 1

    def _reusable_key(self, name: str) -> str:
        """The first key of ``name`` that is unused or still ``started``."""
        for key in self._key_chain(name):
            record = self.workflow_steps.get(key)
            if record is None or record["status"] == STEP_STARTED:
                return key
        raise AssertionError("key chain always ends with an unused key")  # pragma: no cover

    def _open_key(self, name: str) -> str | None:
        """The latest key of ``name`` whose record is still ``started``, if any."""
        open_keys = [
            key
            for key in self._key_chain(name)
            if key in self.workflow_steps and self.workflow_steps[key]["status"] == STEP_STARTED
        ]
        return open_keys[-1] if open_keys else None

    def _elapsed_ms(self, key: str) -> int | None:
        started = self._step_clock.pop(key, None)
        return None if started is None else int((time.monotonic() - started) * 1000)

    def start_step(self, name: str, **data: Any) -> str:
        """Start a step; returns its key (``name``, or ``name#2``... when ``name`` already finished)."""
        key = self._reusable_key(name)
        self._step_clock[key] = time.monotonic()
        self.workflow_steps[key] = {
            **_step_data(data),
            "timestamp": log_format.format_timestamp(_utc_now()),
            "status": STEP_STARTED,
            "error": None,
        }
        return key

    def _finish_step(self, name: str, status: str, error: dict[str, str] | None, data: dict[str, Any]) -> None:
        key = self._open_key(name) or self._reusable_key(name)
        record = self.workflow_steps.setdefault(key, {"timestamp": log_format.format_timestamp(_utc_now())})
        record.update(_step_data(data))
        record.update(status=status, duration_ms=self._elapsed_ms(key), error=error)

    def complete_step(self, name: str, **data: Any) -> None:
        """Finish the open step ``name`` (or record a never-started one) as ``completed``."""
        self._finish_step(name, STEP_COMPLETED, None, data)

    def fail_step(self, name: str, exc: BaseException, tb: str | None = None, **data: Any) -> None:
        """Finish the open step ``name`` as ``failed`` with the exception's type, message and traceback."""
        self._finish_step(name, STEP_FAILED, _error_record(exc, tb), data)

    def step(self, name: str, **data: Any) -> AbstractAsyncContextManager[StepHandle]:
        """``async with ctx.step("name") as handle:`` completes on exit, fails (and re-raises) on error.

        ``asyncio.CancelledError`` propagates and leaves the step ``started``.
        """
        return self._step(name, data)

    @asynccontextmanager
    async def _step(self, name: str, data: dict[str, Any]) -> AsyncIterator[StepHandle]:
        handle = StepHandle(key=self.start_step(name, **data))
        try:
            yield handle
        except Exception as exc:
            self.fail_step(handle.key, exc, traceback.format_exc(), **handle.data)
            raise
        if handle.failure is not None:
            self.fail_step(handle.key, handle.failure, "", **handle.data)
        else:
            self.complete_step(handle.key, **handle.data)

    # ---- API spend and outcome ---------------------------------------------------------------

    def record_api_response(self, *, remaining: int | None) -> None:
        """Count one GitHub API request; ``remaining`` is the PAT's ``X-RateLimit-Remaining`` (None for App calls).

        A child context also counts into its parent delivery.
        """
        with self._lock:
            self.token_spend += 1
            if remaining is not None:
                self.final_rate_limit = remaining
        if self.parent is not None:
            self.parent.record_api_response(remaining=remaining)

    def record_failure(self, exc: BaseException) -> None:
        """Mark the delivery failed with the exception's type, message and traceback."""
        self.success = False
        self.error = _error_record(exc, None)

    @property
    def status(self) -> Literal["success", "partial", "failed"]:
        """``failed`` on an escaped exception, ``partial`` when a step failed, else ``success``."""
        if not self.success:
            return "failed"
        if any(record.get("status") == STEP_FAILED for record in self.workflow_steps.values()):
            return "partial"
        return "success"

    # ---- output ------------------------------------------------------------------------------

    def log_prefix(self) -> str:
        """The uncoloured delivery prefix ``<repo> [<event>][<id>][<api user>][PR <n>]: ``."""
        return log_format.build_prefix(
            repository=self.repository,
            event_type=self.event_type,
            hook_id=self.hook_id,
            api_user=self.api_user,
            pr_number=self.pr_number,
        )

    def log_entry_fields(self) -> dict[str, Any]:
        """The context keys of a JSONL ``log_entry`` record (§5.1)."""
        return {
            "hook_id": self.hook_id,
            "event_type": self.event_type,
            "repository": self.repository,
            "pr_number": self.pr_number,
            "api_user": self.api_user,
        }

    def duration_ms(self) -> int:
        """Milliseconds from start to completion (to now while still running)."""
        end = self.completed_at or _utc_now()
        return int((end - self.started_at).total_seconds() * 1000)

    def summary_line(self) -> str:
        """The §2.3 summary line without the delivery prefix (the log formatter adds it)."""
        return log_format.summary_line(
            success=self.success,
            pr_number=self.pr_number,
            duration_ms=self.duration_ms(),
            token_spend=self.token_spend,
            steps=self.workflow_steps,
        )

    def completion_line(self, outcome: str) -> str:
        """The §2.4 completion line without the delivery prefix."""
        return log_format.completion_line(
            outcome=outcome,
            token_spend=self.token_spend,
            initial=self.initial_rate_limit,
            remaining=self.final_rate_limit,
        )

    def summary_record(self) -> dict[str, Any]:
        """The unmasked ``webhook_summary`` record (§5.2); step records are copied."""
        pr = None
        if self.pr_number is not None:
            pr = {"number": self.pr_number, "title": self.pr_title, "author": self.pr_author}
        completed = None if self.completed_at is None else log_format.format_timestamp(self.completed_at)
        return {
            "hook_id": self.hook_id,
            "level": "COMPLETED",
            "status": self.status,
            "event_type": self.event_type,
            "action": self.action,
            "sender": self.sender,
            "repository": self.repository,
            "repository_full_name": self.repository_full_name,
            "pr": pr,
            "api_user": self.api_user,
            "timing": {
                "started_at": log_format.format_timestamp(self.started_at),
                "completed_at": completed,
                "duration_ms": self.duration_ms(),
            },
            "workflow_steps": {key: dict(record) for key, record in self.workflow_steps.items()},
            "token_spend": self.token_spend,
            "initial_rate_limit": self.initial_rate_limit,
            "final_rate_limit": self.final_rate_limit,
            "success": self.success,
            "error": None if self.error is None else dict(self.error),
            "summary": self.summary_line(),
            "type": "webhook_summary",
        }


def current_context() -> DeliveryContext | None:
    """The delivery context bound in this task or thread, if any."""
    return _CURRENT.get()


def bind_context(ctx: DeliveryContext) -> AbstractContextManager[DeliveryContext]:
    """``with bind_context(ctx):`` makes ``ctx`` the current context until the block ends."""
    return _bind(ctx)


@contextmanager
def _bind(ctx: DeliveryContext) -> Iterator[DeliveryContext]:
    token = _CURRENT.set(ctx)
    try:
        yield ctx
    finally:
        _CURRENT.reset(token)


def child_context(parent: DeliveryContext, **overrides: Any) -> DeliveryContext:
    """A context for a job of ``parent``: same ``hook_id`` and step table, own spend and outcome.

    ``overrides`` may set identity fields such as ``api_user``. API requests counted on the child
    are also counted on the parent.
    """
    child = replace(
        parent,
        started_at=_utc_now(),
        completed_at=None,
        token_spend=0,
        success=True,
        error=None,
        parent=parent,
        **overrides,
    )
    child._step_clock = parent._step_clock
    return child
