"""`yield_cpu_to_intake`: which roles lower their CPU priority, and that none raises it. Each case runs in a
thread of its own: on Linux a priority belongs to the thread that set it, so the test process keeps its own."""

import os
import threading

import pytest

from webhook_server.libs.runtime.roles import Role, yield_cpu_to_intake


def niceness_after(role: Role, niceness: int, *, starting_at: int) -> int:
    """The niceness of a fresh thread at `starting_at` after `yield_cpu_to_intake(role, niceness)`."""
    seen: list[int] = []

    def run() -> None:
        os.setpriority(os.PRIO_PROCESS, 0, starting_at)
        yield_cpu_to_intake(role, niceness)
        seen.append(os.getpriority(os.PRIO_PROCESS, 0))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return seen[0]


BASE = os.getpriority(os.PRIO_PROCESS, 0)


@pytest.mark.parametrize(
    ("role", "niceness", "starting_at", "expected"),
    [
        (Role.WORKER, 19, BASE, 19),
        (Role.WORKER, 10, BASE, max(BASE, 10)),
        (Role.WORKER, 0, BASE, BASE),
        (Role.WORKER, 5, max(BASE, 15), max(BASE, 15)),  # never raised back
        (Role.INTAKE, 10, BASE, BASE),
        (Role.ALL, 10, BASE, BASE),  # processing and intake share the process: nothing to favour
    ],
    ids=["worker-default-lowest", "worker-ten", "worker-zero", "worker-already-lower", "intake", "all"],
)
def test_niceness(role: Role, niceness: int, starting_at: int, expected: int) -> None:
    assert niceness_after(role, niceness, starting_at=starting_at) == expected
