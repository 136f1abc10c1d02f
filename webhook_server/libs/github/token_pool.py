"""Personal-access-token pools: quota state per token, selection by remaining quota, exhaustion marks.

One `TokenState` exists per distinct token string (shared by every pool that lists it) and is updated
from the `X-RateLimit-*` headers of every response. A pool is an ordered view over its tokens.
"""

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass


class NoApiTokenError(RuntimeError):
    """No usable token is left in the pool."""


class RateLimitExhaustedError(RuntimeError):
    """Every token of the pool is exhausted and the earliest reset is too far away."""


@dataclass
class TokenState:
    """What we know about one token's owner and quota."""

    token: str
    login: str | None = None
    user_id: int | None = None
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    usable: bool = False
    probed_at: float | None = None
    exhausted_until: float = 0.0

    def has_quota(self, now: float) -> bool:
        return self.usable and self.exhausted_until <= now and (self.remaining is None or self.remaining > 0)

    def __repr__(self) -> str:  # never print the token itself
        return f"TokenState(login={self.login!r}, remaining={self.remaining}, usable={self.usable})"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


class TokenRegistry:
    """Process-wide map from token string to its state."""

    def __init__(self) -> None:
        self._states: dict[str, TokenState] = {}
        self._lock = threading.Lock()

    def state(self, token: str) -> TokenState:
        with self._lock:
            state = self._states.get(token)
            if state is None:
                state = TokenState(token=token)
                self._states[token] = state
            return state

    def known(self, token: str) -> TokenState | None:
        return self._states.get(token)

    def clear(self) -> None:
        """Forget every token (a new server instance in the same process, e.g. in tests)."""
        with self._lock:
            self._states.clear()

    def observe(self, token: str, headers: Mapping[str, str]) -> None:
        """Update quota from one response's rate-limit headers (PAT responses only)."""
        state = self._states.get(token)
        if state is None:
            return
        remaining = _header(headers, "x-ratelimit-remaining")
        limit = _header(headers, "x-ratelimit-limit")
        reset = _header(headers, "x-ratelimit-reset")
        if remaining is not None:
            state.remaining = int(float(remaining))
        if limit is not None:
            state.limit = int(float(limit))
        if reset is not None:
            state.reset = float(reset)


TOKENS = TokenRegistry()

UNAUTHENTICATED_LIMIT = 60


class TokenPool:
    """An ordered list of tokens (a repository's list, or the root list)."""

    def __init__(self, tokens: tuple[str, ...], registry: TokenRegistry = TOKENS) -> None:
        self.tokens = tokens
        self.states = tuple(registry.state(token) for token in tokens)

    def select(self, now: float | None = None) -> TokenState:
        """The usable token with the most remaining quota; ties go to list order."""
        moment = time.time() if now is None else now
        usable = [state for state in self.states if state.usable]
        if not usable:
            raise NoApiTokenError("No usable GitHub API token in the pool")
        with_quota = [state for state in usable if state.has_quota(moment)] or usable
        return max(with_quota, key=self._preference)

    def _preference(self, state: TokenState) -> tuple[int, int]:
        """Most remaining quota first (unknown counts as none), then list order."""
        remaining = state.remaining if state.remaining is not None else -1
        return remaining, -self.states.index(state)

    def failover_from(self, exhausted: TokenState, now: float | None = None) -> TokenState | None:
        """The next usable token with quota other than `exhausted`, or None."""
        moment = time.time() if now is None else now
        candidates = [state for state in self.states if state is not exhausted and state.has_quota(moment)]
        if not candidates:
            return None
        return max(candidates, key=self._preference)

    def earliest_reset(self) -> float | None:
        resets = [state.exhausted_until for state in self.states if state.usable and state.exhausted_until]
        return min(resets) if resets else None

    @property
    def api_users(self) -> tuple[str, ...]:
        return tuple(state.login for state in self.states if state.usable and state.login)

    def mark_exhausted(self, state: TokenState, reset_at: float) -> None:
        state.remaining = 0
        state.exhausted_until = reset_at

    def apply_probe(self, state: TokenState, *, login: str | None, user_id: int | None, limit: int | None) -> None:
        """Record a probe result: a token is usable when its owner is known and it is authenticated."""
        state.login = login
        state.user_id = user_id
        state.probed_at = time.time()
        state.usable = login is not None and limit != UNAUTHENTICATED_LIMIT
        if limit is not None:
            state.limit = limit
