"""Fault injection and the request log: latency, failing the next N calls, secondary rate limits."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestRecord:
    """One request the fake answered (API or git transport)."""

    method: str
    path: str
    query: dict[str, str]
    identity: str  # login, "installation:<id>", "app" or "anonymous"
    token: str | None
    status: int
    time: float
    duration: float
    kind: str = "api"  # api | graphql | git
    delivery: str | None = None  # the X-GitHub-Delivery header the client sent, if any

    @property
    def is_write(self) -> bool:
        if self.kind == "graphql":
            return False
        return self.method not in ("GET", "HEAD")


@dataclass
class FailRule:
    remaining: int
    status: int
    route_prefix: str | None
    method: str | None
    message: str
    retry_after: int | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.route_prefix is None or path.startswith(self.route_prefix)) and (
            self.method is None or self.method == method
        )


@dataclass
class HeldAnswers:
    """Answers to matching requests wait, after the change was made, until `release()`: a client that
    dies meanwhile never learns that its write succeeded. `reached` is set by the first held answer."""

    route_prefix: str
    method: str | None
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.route_prefix) and (self.method is None or self.method == method)

    def release(self) -> None:
        self.released.set()


@dataclass
class SecondaryLimit:
    remaining: int
    retry_after: int
    status: int


@dataclass
class Faults:
    """What the fake should do wrong next; safe to change from any thread."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: list[tuple[str | None, float]] = field(default_factory=list)
    fail_rules: list[FailRule] = field(default_factory=list)
    secondary: dict[str, SecondaryLimit] = field(default_factory=dict)
    holds: list[HeldAnswers] = field(default_factory=list)

    def hold_for(self, method: str, path: str) -> HeldAnswers | None:
        with self.lock:
            return next(
                (hold for hold in self.holds if not hold.released.is_set() and hold.matches(method, path)), None
            )

    def latency_for(self, path: str) -> float:
        with self.lock:
            delays = [seconds for prefix, seconds in self.latency if prefix is None or path.startswith(prefix)]
        return max(delays, default=0.0)

    def take_failure(self, method: str, path: str) -> FailRule | None:
        """The first armed rule matching this call, consuming one of its N failures."""
        with self.lock:
            for rule in self.fail_rules:
                if rule.remaining > 0 and rule.matches(method, path):
                    rule.remaining -= 1
                    return rule
            self.fail_rules = [rule for rule in self.fail_rules if rule.remaining > 0]
        return None

    def take_secondary(self, token: str | None) -> SecondaryLimit | None:
        if token is None:
            return None
        with self.lock:
            limit = self.secondary.get(token)
            if limit is None or limit.remaining <= 0:
                return None
            limit.remaining -= 1
            return limit

    def clear(self) -> None:
        with self.lock:
            self.latency.clear()
            self.fail_rules.clear()
            self.secondary.clear()
            for hold in self.holds:
                hold.release()
            self.holds.clear()


@dataclass
class RequestLog:
    lock: threading.Lock = field(default_factory=threading.Lock)
    records: list[RequestRecord] = field(default_factory=list)

    def add(self, record: RequestRecord) -> None:
        with self.lock:
            self.records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        with self.lock:
            return list(self.records)

    def clear(self) -> None:
        with self.lock:
            self.records.clear()
