"""What one server process does among replicas: `all` (intake and processing), `intake` or `worker`."""

from __future__ import annotations

import enum
import os

ROLE_ENV_VAR = "WEBHOOK_SERVER_ROLE"


class Role(enum.StrEnum):
    """`intake` acknowledges and records deliveries only; `worker` processes what the shared ledger holds."""

    ALL = "all"
    INTAKE = "intake"
    WORKER = "worker"

    @property
    def accepts_deliveries(self) -> bool:
        return self is not Role.WORKER

    @property
    def processes_deliveries(self) -> bool:
        return self is not Role.INTAKE


class RoleError(ValueError):
    """The role is unknown, or cannot run with this configuration."""


def parse_role(text: str) -> Role:
    """The role named `text` (case-insensitive); `RoleError` naming the choices otherwise."""
    try:
        return Role(text.strip().casefold())
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise RoleError(f"unknown role {text!r}: choose one of {choices}") from None


def check_role(role: Role, ledger_url: str | None) -> None:
    """An intake-only or worker-only process needs a ledger other processes share (`ledger-url`)."""
    if role is not Role.ALL and ledger_url is None:
        raise RoleError(
            f"--role {role.value} needs ledger-url in config.yaml: a replica that only "
            f"{'records' if role is Role.INTAKE else 'processes'} deliveries must share a PostgreSQL ledger"
        )


def yield_cpu_to_intake(role: Role, niceness: int) -> None:
    """A worker-only process lowers its CPU priority to `niceness` (never raises it: that needs privileges).

    Call it before any thread starts: on Linux a thread's priority is its own, and threads and child
    processes inherit their creator's, so this one call covers the ledger thread, executors and every
    git, tox or build command the worker runs.
    """
    if role is Role.WORKER and niceness > 0:
        current = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, 0, max(current, niceness))
