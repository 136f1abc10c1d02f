"""`github_api_call`: the single door to GitHub. Runs PyGithub work off the event loop with retry,
rate-limit waits and token failover (`call_with_retries`, which GraphQL through gql shares).

Anything that can send an HTTP request (a method, a lazy attribute, a paginated list being
materialised) must run inside the callable given to `github_api_call`.
"""

import asyncio
import contextvars
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import requests
from github.GithubException import GithubException
from gql.transport.exceptions import TransportConnectionFailed

from webhook_server.libs.github.auth import TOKEN_CHOICES, switch_token
from webhook_server.libs.github.token_pool import TOKENS, RateLimitExhaustedError, TokenPool
from webhook_server.libs.github.transport import CURRENT_ATTEMPT, AttemptRecord
from webhook_server.utils.metrics import GITHUB_API_RETRIES_TOTAL

LOGGER = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
MAX_RATE_LIMIT_WAITS = 3
MAX_RESET_WAIT_SECONDS = 300.0
DEFAULT_RETRY_AFTER_SECONDS = 60.0
MAX_RETRY_AFTER_SECONDS = 120.0
# Failures before any answer: retried like a 5xx. REST goes through requests (PyGithub); gql wraps every
# failure of its HTTP client (connection, timeout) in `TransportConnectionFailed`.
CONNECTION_ERRORS = (requests.ConnectionError, requests.Timeout, TransportConnectionFailed)


@dataclass(frozen=True)
class RetryPolicy:
    """Waits before each retry of a server or connection error (jitter adds up to `jitter` × delay)."""

    delays: tuple[float, ...] = (2.0, 4.0, 8.0, 16.0)
    jitter: float = 0.1
    time_scale: float = 1.0  # tests shrink every wait, including rate-limit waits, by this factor


_policy = RetryPolicy()
_executor = ThreadPoolExecutor(max_workers=32, thread_name_prefix="github-api")
_pools: dict[int, TokenPool] = {}


def configure(*, threads: int | None = None, policy: RetryPolicy | None = None) -> None:
    """Size the thread pool for the configured concurrency; tests may shrink the waits."""
    global _executor, _policy  # noqa: PLW0603 - process-wide settings, set once at startup
    if threads is not None:
        _executor.shutdown(wait=False)
        _executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="github-api")
    if policy is not None:
        _policy = policy


def register_pool(pool: TokenPool) -> None:
    """Make `pool` known so a rate-limited token can fail over to its siblings."""
    _pools[id(pool)] = pool


def _is_rate_limit(error: GithubException) -> bool:
    if error.status not in (403, 429):
        return False
    headers = {key.lower(): value for key, value in (error.headers or {}).items()}
    if "retry-after" in headers or headers.get("x-ratelimit-remaining") == "0":
        return True
    return "rate limit" in str(error.data).lower()


def _pool_of_credential(credential: str | None) -> TokenPool | None:
    choices = TOKEN_CHOICES.get()
    if choices is None or credential is None:
        return None
    for pool_id, state in choices.by_pool.items():
        if state.token == credential:
            return _pools.get(pool_id)
    return None


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds * _policy.time_scale)


async def _handle_rate_limit(error: GithubException, attempt: AttemptRecord) -> None:
    """Wait or fail over after a rate-limit response; raise when nothing can help."""
    headers = {key.lower(): value for key, value in (error.headers or {}).items()}
    if headers.get("x-ratelimit-remaining") == "0" and "retry-after" not in headers:
        reset_at = float(headers.get("x-ratelimit-reset", time.time() + 60))
        await _handle_primary_exhaustion(attempt.credential, reset_at)
        return
    retry_after = min(float(headers.get("retry-after", DEFAULT_RETRY_AFTER_SECONDS)), MAX_RETRY_AFTER_SECONDS)
    LOGGER.warning("Secondary rate limit hit; waiting %.0fs before retrying", retry_after)
    await _sleep(retry_after)


async def _handle_primary_exhaustion(credential: str | None, reset_at: float) -> None:
    state = TOKENS.known(credential) if credential else None
    pool = _pool_of_credential(credential)
    if state is not None and pool is not None:
        pool.mark_exhausted(state, reset_at)
        replacement = pool.failover_from(state)
        if replacement is not None:
            LOGGER.warning("Token of %s is rate limited; failing over to %s", state.login, replacement.login)
            GITHUB_API_RETRIES_TOTAL.labels(reason="failover").inc()
            switch_token(pool, replacement)
            return
        reset_at = pool.earliest_reset() or reset_at
    wait = reset_at - time.time()
    if wait > MAX_RESET_WAIT_SECONDS:
        raise RateLimitExhaustedError(f"GitHub rate limit exhausted; next reset in {wait:.0f}s")
    LOGGER.warning("Rate limit exhausted; waiting %.0fs for the reset", max(wait, 0.0))
    await _sleep(max(wait, 0.0) + 1.0)


async def github_api_call(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking GitHub work in the thread pool, retrying as the spec's retry table says."""
    loop = asyncio.get_running_loop()

    async def attempt_in_thread(attempt: AttemptRecord) -> T:
        context = contextvars.copy_context()
        context.run(CURRENT_ATTEMPT.set, attempt)
        return await loop.run_in_executor(_executor, functools.partial(context.run, fn, *args, **kwargs))

    return await call_with_retries(attempt_in_thread)


async def call_with_retries(attempt_once: Callable[[AttemptRecord], Awaitable[T]]) -> T:
    """Run `attempt_once` until it succeeds: rate limits wait or fail over (3 times at most), server and
    connection errors retry after the policy's delays. The attempt reports its credential and statuses in
    the `AttemptRecord` it is given; GraphQL (`libs/github/graphql`) shares this loop with REST."""
    retries = 0
    rate_limit_waits = 0
    while True:
        attempt = AttemptRecord()
        try:
            return await attempt_once(attempt)
        except GithubException as error:
            if _is_rate_limit(error) and rate_limit_waits < MAX_RATE_LIMIT_WAITS:
                rate_limit_waits += 1
                GITHUB_API_RETRIES_TOTAL.labels(reason="rate_limit").inc()
                await _handle_rate_limit(error, attempt)
                continue
            if error.status not in RETRYABLE_STATUSES or retries >= len(_policy.delays):
                raise
            failure: BaseException = error
        except CONNECTION_ERRORS as error:
            if retries >= len(_policy.delays):
                raise
            failure = error
        reason = "server_error" if isinstance(failure, GithubException) else "connection"
        GITHUB_API_RETRIES_TOTAL.labels(reason=reason).inc()
        delay = _policy.delays[retries] * (1 + random.uniform(0, _policy.jitter))  # noqa: S311
        retries += 1
        LOGGER.warning(
            "GitHub call failed (attempt %d/%d); retrying in %.1fs: %s: %s",
            retries,
            len(_policy.delays) + 1,
            delay,
            type(failure).__name__,
            failure,
        )
        await _sleep(delay)
