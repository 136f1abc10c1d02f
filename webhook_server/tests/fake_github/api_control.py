"""Test API controls: the request log, fault injection, rate limits, webhook targets and deliveries."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from webhook_server.tests.fake_github.api_base import ApiBase
from webhook_server.tests.fake_github.auth import bucket_for
from webhook_server.tests.fake_github.faults import FailRule, HeldAnswers, RequestRecord, SecondaryLimit
from webhook_server.tests.fake_github.protocol import Identity
from webhook_server.tests.fake_github.state import Hook, RateBucket
from webhook_server.tests.fake_github.webhooks import Delivery

T = TypeVar("T")
DEFAULT_FAILURE_MESSAGES = {500: "Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class ControlMixin(ApiBase):
    # ---- request log ------------------------------------------------------------------------
    @property
    def request_log(self) -> list[RequestRecord]:
        """Every request answered since the test started (API, GraphQL and git), oldest first."""
        return self._backend.request_log.snapshot()

    def calls(
        self,
        method: str | None = None,
        path_prefix: str | None = None,
        *,
        writes_only: bool = False,
        identity: str | None = None,
        token: str | None = None,
        delivery: str | None = None,
        include_git: bool = False,
    ) -> list[RequestRecord]:
        """API requests (REST and GraphQL; git only with `include_git`) matching every given filter.

        `identity` is a login, `installation:<id>`, `app` or `anonymous`; `delivery` matches the
        `X-GitHub-Delivery` header a client sent with its API call.
        """
        return [
            record
            for record in self.request_log
            if (include_git or record.kind != "git")
            and (method is None or record.method == method.upper())
            and (path_prefix is None or record.path.startswith(path_prefix))
            and (not writes_only or record.is_write)
            and (identity is None or record.identity.casefold() == identity.casefold())
            and (token is None or record.token == token)
            and (delivery is None or record.delivery == delivery)
        ]

    def clear_request_log(self) -> None:
        self._backend.request_log.clear()

    # ---- faults ---------------------------------------------------------------------------------
    def inject_latency(self, seconds: float, route_prefix: str | None = None) -> None:
        """Delay every request (or those whose path starts with `route_prefix`) by `seconds`."""
        with self._backend.faults.lock:
            self._backend.faults.latency.append((route_prefix, seconds))

    def fail_next(
        self,
        n: int,
        status: int,
        route_prefix: str | None = None,
        *,
        method: str | None = None,
        message: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """The next `n` requests (matching `route_prefix`/`method`) answer `status` with GitHub's error body."""
        text = message or DEFAULT_FAILURE_MESSAGES.get(status, "Simulated failure")
        rule = FailRule(n, status, route_prefix, method.upper() if method else None, text, retry_after)
        with self._backend.faults.lock:
            self._backend.faults.fail_rules.append(rule)

    def secondary_rate_limit(self, token: str, retry_after: int = 60, *, count: int = 1, status: int = 403) -> None:
        """The next `count` requests with `token` hit a secondary rate limit (`Retry-After`)."""
        with self._backend.faults.lock:
            self._backend.faults.secondary[token] = SecondaryLimit(count, retry_after, status)

    def _bucket(self, token: str, resource: str) -> RateBucket:
        record = self.state.tokens[token]
        if record.kind == "installation":
            identity = Identity("installation", user=record.user, token=token, installation_id=record.installation_id)
        else:
            identity = Identity("user", user=record.user, token=token)
        return bucket_for(self.state, identity, resource)

    def exhaust_rate_limit(self, token: str, reset_in: int = 3600, resource: str = "core") -> None:
        """Use up the quota behind `token` (per user / installation, like GitHub) until `reset_in` seconds."""
        self.set_rate_limit(token, 0, reset_in=reset_in, resource=resource)

    def set_rate_limit(
        self, token: str, remaining: int, *, reset_in: int | None = None, resource: str = "core"
    ) -> None:
        with self.state.lock:
            bucket = self._bucket(token, resource)
            bucket.remaining = remaining
            if reset_in is not None:
                bucket.reset_at = int(time.time()) + reset_in

    def rate_limit(self, token: str, resource: str = "core") -> dict[str, int]:
        """`{limit, remaining, reset, used}` of the quota behind `token`."""
        with self.state.lock:
            bucket = self._bucket(token, resource)
            return {"limit": bucket.limit, "remaining": bucket.remaining, "reset": bucket.reset_at, "used": bucket.used}

    def hold_answers(self, route_prefix: str, *, method: str | None = None) -> HeldAnswers:
        """Make matching requests take effect but hold their answers until `.release()` (or
        `clear_faults()`); `.reached.wait(timeout)` blocks until one is held."""
        hold = HeldAnswers(route_prefix, method)
        with self._backend.faults.lock:
            self._backend.faults.holds.append(hold)
        return hold

    def clear_faults(self) -> None:
        self._backend.faults.clear()

    # ---- webhooks --------------------------------------------------------------------------------
    def register_hook(
        self,
        full_name: str,
        url: str,
        secret: str | None = None,
        events: Iterable[str] = ("*",),
        *,
        active: bool = True,
    ) -> int:
        """Add a repository hook (like GitHub's hook rows). An empty `url` records deliveries without sending."""
        with self.state.lock:
            repo = self._repo(full_name)
            hook = Hook(id=self.state.next_id(), url=url, secret=secret, events=list(events), active=active)
            repo.hooks[hook.id] = hook
            return hook.id

    def set_app_hook(
        self, url: str, secret: str | None = None, events: Iterable[str] = ("*",), *, active: bool = True
    ) -> int:
        """Configure the App's webhook: it receives the events of every repository the App is installed on."""
        with self.state.lock:
            hook = Hook(id=self.state.next_id(), url=url, secret=secret, events=list(events), active=active)
            self.state.app_hook = hook
            return hook.id

    def set_hook_url(self, full_name: str, hook_id: int, url: str) -> None:
        """Point a repository hook somewhere else (an unreachable URL makes deliveries fail)."""
        with self.state.lock:
            self._repo(full_name).hooks[hook_id].url = url

    @contextlib.contextmanager
    def webhooks_muted(self) -> Iterator[None]:
        """Inside the block, changes (test API or HTTP) send no webhooks and record no deliveries."""
        self._backend.muted = True
        try:
            yield
        finally:
            self._backend.muted = False

    def refuse_hook_deliveries(self, refused: bool = True) -> None:
        """Answer the hook deliveries API with 403 (a token without the hook scope)."""
        with self.state.lock:
            self.state.hook_deliveries_refused = refused

    def deliveries(
        self, event: str | None = None, *, action: str | None = None, full_name: str | None = None
    ) -> list[Delivery]:
        """Emitted deliveries (one per hook), oldest first: `event`, `action`, `payload`, `headers`, `status_code`."""
        return [
            delivery
            for delivery in self._backend.emitter.deliveries()
            if (event is None or delivery.event == event)
            and (action is None or delivery.action == action)
            and (full_name is None or delivery.repository.casefold() == full_name.casefold())
        ]

    def wait_for_deliveries_sent(self, timeout: float = 10.0) -> None:
        """Block until every emitted delivery has been posted (answered or failed)."""
        if not self._backend.emitter.wait_sent(timeout):
            raise TimeoutError(f"webhook deliveries still pending after {timeout}s")

    def wait_until(self, predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.05) -> T:
        """Poll `predicate` until it returns something truthy; returns it, or raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            time.sleep(interval)
