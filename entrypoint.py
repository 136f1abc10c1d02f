"""Start the server: load and validate the config (fail fast with a clear message), then run uvicorn."""

import contextlib
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import uvicorn
from fastapi import FastAPI

from webhook_server.app import create_app
from webhook_server.cli import replay
from webhook_server.libs.config import (
    ConfigError,
    ConfigMissingError,
    ServerConfig,
    data_dir_from_env,
    load_config,
)
from webhook_server.libs.runtime.roles import (
    ROLE_ENV_VAR,
    Role,
    RoleError,
    check_role,
    parse_role,
    yield_cpu_to_intake,
)
from webhook_server.utils.access_log import offload_access_log

EXIT_CONFIG_ERROR = 2
EXIT_INTERRUPTED = 128 + signal.SIGINT
DEV_MODE_ENV_VAR = "WEBHOOK_SERVER_DEV_MODE"
DEV_MODE_VALUES = frozenset({"1", "true", "yes"})
PROJECT_ROOT = Path(__file__).resolve().parent


class WebhookServer(uvicorn.Server):
    """uvicorn, closing the log viewer's WebSockets with 1001 `Server shutdown` before its own 1012, and
    reloading `config.yaml` on SIGHUP (SIGINT and SIGTERM keep uvicorn's graceful shutdown)."""

    def __init__(self, app: FastAPI, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.webhook_app = app

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = signal.signal(signal.SIGHUP, self._reload_on_hangup)
        try:
            with super().capture_signals():
                yield
        finally:
            signal.signal(signal.SIGHUP, previous)

    def request_exit(self) -> None:
        """Stop as SIGTERM does: stop accepting, finish what runs, shut the app down."""
        self.should_exit = True

    def _reload_on_hangup(self, sig: int, frame: FrameType | None) -> None:
        self.webhook_app.state.runtime.request_reload()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self.webhook_app.state.log_viewer.hub.close_all(1001, "Server shutdown")
        await super().shutdown(sockets)


def dev_mode_enabled() -> bool:
    """`WEBHOOK_SERVER_DEV_MODE` is 1, true or yes (case-insensitive)."""
    return os.environ.get(DEV_MODE_ENV_VAR, "").strip().casefold() in DEV_MODE_VALUES


def app_factory() -> FastAPI:
    """Build the app from the config on disk (used by uvicorn's reloader in dev mode)."""
    return create_app(load_config(data_dir_from_env()), role=role_from_environment())


def role_from_environment() -> Role:
    """The role `WEBHOOK_SERVER_ROLE` names (default `all`)."""
    return parse_role(os.environ.get(ROLE_ENV_VAR, Role.ALL.value))


def role_from_arguments(arguments: list[str]) -> Role:
    """The process role: `--role NAME` / `--role=NAME`, else `WEBHOOK_SERVER_ROLE`, else `all`.
    Anything else on the command line is refused (exit code 2 with the reason)."""
    try:
        if not arguments:
            return role_from_environment()
        if len(arguments) == 2 and arguments[0] == "--role":
            return parse_role(arguments[1])
        if len(arguments) == 1 and arguments[0].startswith("--role="):
            return parse_role(arguments[0].removeprefix("--role="))
        raise RoleError(
            f"unexpected arguments {' '.join(arguments)!r}: usage: entrypoint.py [--role all|intake|worker]"
        )
    except RoleError as error:
        sys.stderr.write(f"{error}\n")
        raise SystemExit(EXIT_CONFIG_ERROR) from None


def load_or_exit() -> ServerConfig:
    """The validated config; on any config problem, print it to stderr and exit with code 2."""
    data_dir = data_dir_from_env()
    try:
        return load_config(data_dir)
    except ConfigMissingError as error:
        sys.stderr.write(
            f"Configuration file not found: {error.path}\n"
            f"Start from examples/config.yaml: copy it to {error.path} and edit it "
            f"(the data dir is set by WEBHOOK_SERVER_DATA_DIR).\n"
        )
    except ConfigError as error:
        sys.stderr.write(f"Invalid configuration in {data_dir}:\n")
        sys.stderr.writelines(f"{line}\n" for line in error.errors)
    raise SystemExit(EXIT_CONFIG_ERROR)


def main() -> None:
    """Validate the config, then serve with one uvicorn worker (auto-reload in dev mode).

    `entrypoint.py replay ...` re-processes one delivery instead (`webhook_server/cli/replay.py`)."""
    if sys.argv[1:2] == ["replay"]:
        raise SystemExit(replay.main(load_or_exit(), sys.argv[2:]))
    role = role_from_arguments(sys.argv[1:])
    config = load_or_exit()
    try:
        check_role(role, config.ledger_url)
    except RoleError as error:
        sys.stderr.write(f"{error}\n")
        raise SystemExit(EXIT_CONFIG_ERROR) from None
    yield_cpu_to_intake(role, config.worker_niceness)
    if dev_mode_enabled():
        uvicorn.run(
            "entrypoint:app_factory",
            factory=True,
            host=config.ip_bind,
            port=config.port,
            reload=True,
            reload_dirs=[str(PROJECT_ROOT / "webhook_server")],
            app_dir=str(PROJECT_ROOT),
        )
        return
    app = create_app(config, role=role)
    uvicorn_config = uvicorn.Config(
        app, host=config.ip_bind, port=config.port, workers=1, ws_ping_interval=30.0, ws_ping_timeout=30.0
    )
    access_log = offload_access_log()  # after uvicorn.Config, which configures the access logger
    server = WebhookServer(app, uvicorn_config)
    runtime = app.state.runtime
    runtime.request_shutdown = server.request_exit
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises SIGINT after its graceful shutdown: no traceback
        raise SystemExit(EXIT_INTERRUPTED) from None
    finally:
        access_log.stop()
    if runtime.exit_code:  # the runtime asked to stop (a lost shared ledger): a supervisor restarts it
        raise SystemExit(runtime.exit_code)


if __name__ == "__main__":
    main()
