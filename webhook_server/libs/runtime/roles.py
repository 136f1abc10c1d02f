"""What one server process does among replicas: `all` (intake and processing), `intake` or `worker`."""

from __future__ import annotations

import enum

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
