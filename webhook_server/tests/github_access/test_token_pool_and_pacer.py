"""Token selection, failover choice and request pacing, as pure rules over plain state."""

import threading
import time

import pytest

from webhook_server.libs.github.pacer import PacerLimits, RequestPacer
from webhook_server.libs.github.token_pool import NoApiTokenError, TokenPool, TokenRegistry


def _pool(*specs: tuple[str, bool, int | None]) -> TokenPool:
    pool = TokenPool(tuple(token for token, _, _ in specs), TokenRegistry())
    for state, (_, usable, remaining) in zip(pool.states, specs, strict=True):
        pool.apply_probe(state, login=f"user-{state.token}" if usable else None, user_id=1, limit=5000)
        state.remaining = remaining
    return pool


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        ((("a", True, 10), ("b", True, 20)), "b"),
        ((("a", True, 20), ("b", True, 20)), "a"),
        ((("a", False, 5000), ("b", True, 1)), "b"),
        ((("a", True, None), ("b", True, 3)), "b"),
        ((("a", True, 0), ("b", True, 0)), "a"),
    ],
    ids=["most-remaining", "tie-list-order", "skip-unusable", "unknown-counts-as-none", "all-empty-first"],
)
def test_select(specs: tuple[tuple[str, bool, int | None], ...], expected: str) -> None:
    assert _pool(*specs).select().token == expected


def test_select_without_usable_token_raises() -> None:
    with pytest.raises(NoApiTokenError):
        _pool(("a", False, None)).select()


def test_unauthenticated_limit_makes_token_unusable() -> None:
    pool = TokenPool(("a",), TokenRegistry())
    pool.apply_probe(pool.states[0], login="someone", user_id=1, limit=60)
    assert not pool.states[0].usable


def test_failover_skips_exhausted_and_marks_quota() -> None:
    pool = _pool(("a", True, 100), ("b", True, 50), ("c", True, 70))
    first = pool.select()
    pool.mark_exhausted(first, time.time() + 600)
    replacement = pool.failover_from(first)
    assert replacement is not None
    assert replacement.token == "c"
    assert pool.select().token == "c"
    pool.mark_exhausted(replacement, time.time() + 300)
    pool.mark_exhausted(pool.states[1], time.time() + 900)
    assert pool.failover_from(pool.states[1]) is None
    earliest = pool.earliest_reset()
    assert earliest is not None
    assert earliest == pytest.approx(time.time() + 300, abs=5)


def test_registry_observes_rate_limit_headers() -> None:
    registry = TokenRegistry()
    state = registry.state("tok")
    registry.observe("tok", {"X-RateLimit-Remaining": "41", "X-RateLimit-Limit": "5000", "X-RateLimit-Reset": "99"})
    assert (state.remaining, state.limit, state.reset) == (41, 5000, 99.0)
    registry.observe("unknown", {"X-RateLimit-Remaining": "1"})
    assert registry.known("unknown") is None
    assert "tok" not in repr(state)


def test_pacer_spaces_writes_after_the_burst() -> None:
    pacer = RequestPacer(PacerLimits(max_concurrent=4, writes_per_minute=600.0, write_burst=3))
    started = time.monotonic()
    stamps = []
    for _ in range(6):
        pacer.acquire("tok", "POST")
        stamps.append(time.monotonic() - started)
        pacer.release("tok")
    assert stamps[2] < 0.05  # the burst goes at once
    assert stamps[5] >= 0.25  # then 10 writes per second: three more need ~0.3 s
    for _ in range(5):
        pacer.acquire("tok", "GET")  # reads are never rate-paced
        pacer.release("tok")


def test_pacer_bounds_concurrency_per_credential() -> None:
    pacer = RequestPacer(PacerLimits(max_concurrent=2))
    inside = 0
    peak = 0
    lock = threading.Lock()

    def request(credential: str) -> None:
        nonlocal inside, peak
        pacer.acquire(credential, "GET")
        with lock:
            inside += 1
            peak = max(peak, inside)
        time.sleep(0.05)
        with lock:
            inside -= 1
        pacer.release(credential)

    threads = [threading.Thread(target=request, args=("tok",)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 2


def test_background_writes_leave_the_reserve_to_deliveries() -> None:
    pacer = RequestPacer(PacerLimits(writes_per_minute=60.0, write_burst=4, background_reserve=2))
    started = time.monotonic()
    for _ in range(2):  # background may take the burst down to the reserve...
        pacer.acquire("tok", "POST", background=True)
        pacer.release("tok")
    assert time.monotonic() - started < 0.05
    for _ in range(2):  # ...which deliveries still get at once
        pacer.acquire("tok", "POST")
        pacer.release("tok")
    assert time.monotonic() - started < 0.05
    pacer.acquire("tok", "POST", background=True)  # now background waits for refills above the reserve
    assert time.monotonic() - started >= 2.5


@pytest.mark.parametrize(
    ("replicas", "burst_writes", "min_seconds_for_three_more"),
    [(1, 6, 0.25), (3, 2, 0.8)],
    ids=["alone", "one-of-three-replicas"],
)
def test_replicas_split_the_write_budget(replicas: int, burst_writes: int, min_seconds_for_three_more: float) -> None:
    pacer = RequestPacer(PacerLimits(max_concurrent=4, writes_per_minute=600.0, write_burst=6))
    pacer.set_share(replicas)
    started = time.monotonic()
    stamps = []
    for _ in range(burst_writes + 3):
        pacer.acquire("tok", "POST")
        stamps.append(time.monotonic() - started)
        pacer.release("tok")
    assert stamps[burst_writes - 1] < 0.05  # this replica's share of the burst goes at once
    # then 10 writes per second shared by `replicas`: three more take 0.3 s alone, 0.9 s as one of three
    assert stamps[-1] >= min_seconds_for_three_more
