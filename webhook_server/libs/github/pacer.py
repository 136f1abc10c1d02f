"""Per-token request pacing after GitHub's secondary-rate-limit guidance.

Bounded concurrent requests per token, and content-creating requests (POST/PATCH/PUT/DELETE) capped
per minute with a small burst allowance. Shared by every delivery; used from worker threads. Replicas
sharing one ledger each take an equal share of the write budget (`set_share`), so together they stay
within it.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass(frozen=True)
class PacerLimits:
    """Limits applied to each credential separately."""

    max_concurrent: int = 10
    writes_per_minute: float = 80.0
    write_burst: int = 20
    # Write slots background work (bootstrap, anything outside a delivery) leaves to deliveries: it only
    # writes while more than this many slots are available, so a PR's writes are not queued behind it.
    background_reserve: int = 5


@dataclass
class _WriteBucket:
    tokens: float
    updated: float


@dataclass
class _CredentialGate:
    concurrency: threading.BoundedSemaphore
    bucket: _WriteBucket
    lock: threading.Lock = field(default_factory=threading.Lock)


class RequestPacer:
    """Blocks the calling worker thread until a request for `credential` may be sent."""

    def __init__(self, limits: PacerLimits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or PacerLimits()
        self._clock = clock
        self._gates: dict[str, _CredentialGate] = {}
        self._lock = threading.Lock()
        self.share = 1

    def set_share(self, replicas: int) -> None:
        """Spend 1/`replicas` of the write budget (rate and burst): the live replicas split it."""
        self.share = max(1, replicas)

    def _write_limits(self) -> tuple[float, float]:
        """Writes per second and the burst allowance of this process's share."""
        share = self.share
        return self.limits.writes_per_minute / 60.0 / share, max(1.0, self.limits.write_burst / share)

    def _gate(self, credential: str) -> _CredentialGate:
        with self._lock:
            gate = self._gates.get(credential)
            if gate is None:
                gate = _CredentialGate(
                    concurrency=threading.BoundedSemaphore(self.limits.max_concurrent),
                    bucket=_WriteBucket(tokens=float(self.limits.write_burst), updated=self._clock()),
                )
                self._gates[credential] = gate
            return gate

    def _wait_for_write_slot(self, gate: _CredentialGate, background: bool) -> None:
        rate, burst = self._write_limits()
        reserve = self.limits.background_reserve if background else 0
        needed = min(1.0 + reserve, burst)  # never more than the bucket holds
        while True:
            with gate.lock:
                now = self._clock()
                bucket = gate.bucket
                bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
                bucket.updated = now
                if bucket.tokens >= needed:
                    bucket.tokens -= 1.0
                    return
                wait = (needed - bucket.tokens) / rate
            time.sleep(wait)

    def acquire(self, credential: str, method: str, *, background: bool = False) -> None:
        """Wait for a concurrency slot (and a write slot for content-creating methods). `background` work
        leaves the reserved write slots to deliveries."""
        gate = self._gate(credential)
        if method.upper() in WRITE_METHODS:
            self._wait_for_write_slot(gate, background)
        gate.concurrency.acquire()

    def release(self, credential: str) -> None:
        """Free the concurrency slot taken by `acquire`."""
        self._gate(credential).concurrency.release()
