"""A real PostgreSQL server for tests and benchmarks: Debian's `postgresql` package, initialised with `initdb` in
its own temporary directory and started with `pg_ctl` on a free 127.0.0.1 port; `create_database()` hands out a
fresh, independent database as a `postgresql://` URL.

`initdb` refuses to run as root, so as root every server command runs through `runuser -u postgres --` and the
directory belongs to `postgres`. The directory is made under the system temp dir (not pytest's `tmp_path`, whose
parents are private to root and closed to `postgres`) and removed by `stop()`."""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shlex
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

from webhook_server.tests.e2e.harness import free_port

SERVER_USER = "postgres"
TEST_ROLE = "test"
_SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
_DEBIAN_ROOT = Path("/usr/lib/postgresql")
_START_ATTEMPTS = 3  # a free port can be taken by another process between choosing and binding it
_CLUSTER_LOCALE = ("-E", "UTF8", "--locale=C")  # independent of the machine's locales
_INSTALL_HINT = "install Debian's `postgresql` package (.ci/run does)"
_database_numbers = itertools.count(1)


def find_bindir() -> Path | None:
    """The directory holding `initdb`, `pg_ctl` and `postgres`: Debian's newest `/usr/lib/postgresql/<major>/bin`,
    else `pg_config --bindir`, else the directory of `initdb` on PATH."""
    for candidate in (*_debian_bindirs(), _pg_config_bindir(), _path_bindir()):
        if candidate is not None and _has_server_programs(candidate):
            return candidate
    return None


def _debian_bindirs() -> list[Path]:
    versions = [path for path in _DEBIAN_ROOT.glob("*/bin") if path.parent.name.isdigit()]
    return sorted(versions, key=lambda path: int(path.parent.name), reverse=True)


def _pg_config_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
    return Path(result.stdout.strip()) if result.returncode == 0 and result.stdout.strip() else None


def _path_bindir() -> Path | None:
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _has_server_programs(bindir: Path) -> bool:
    return all(os.access(bindir / program, os.X_OK) for program in _SERVER_PROGRAMS)


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _server_user_exists() -> bool:
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        return False
    return True


def postmaster_running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    state = re.search(r"^State:\s+(\S)", status, re.MULTILINE)
    return state is not None and state.group(1) != "Z"


class PostgresServerError(RuntimeError):
    """A server command failed; the message carries its output and the server log's tail."""


class PostgresServer:
    """One PostgreSQL server in a temporary directory. `start()`, then `create_database()` per test, `stop()`.
    Usable as a context manager (start on enter, stop on exit)."""

    def __init__(self) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise PostgresServerError(f"PostgreSQL server programs not found: {_INSTALL_HINT}")
        self.bindir = bindir
        self.root: Path | None = None
        self.port = 0
        self.pid: int | None = None

    @staticmethod
    def unavailable_reason() -> str | None:
        """Why no server can be started here (tests skip with it), or None when one can."""
        if find_bindir() is None:
            return f"PostgreSQL server programs (initdb, pg_ctl, postgres) not found: {_INSTALL_HINT}"
        if _running_as_root() and not (_server_user_exists() and shutil.which("runuser")):
            return f"running as root needs the `{SERVER_USER}` user and `runuser` to start PostgreSQL: {_INSTALL_HINT}"
        return None

    @property
    def data_dir(self) -> Path:
        return self._root() / "data"

    @property
    def log_file(self) -> Path:
        return self._root() / "server.log"

    def url(self, database: str = "postgres") -> str:
        """The URL of `database` on this server (the `test` role, trusted: no password)."""
        return f"postgresql://{TEST_ROLE}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresServer:
        """initdb a fresh cluster and start it on a free loopback port; waits until it accepts connections."""
        if self.pid is not None:
            return self
        self.root = Path(tempfile.mkdtemp(prefix="pg-test-"))
        if _running_as_root():
            shutil.chown(self.root, user=SERVER_USER, group=SERVER_USER)
        self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", TEST_ROLE, "--no-sync", *_CLUSTER_LOCALE)
        for attempt in range(1, _START_ATTEMPTS + 1):
            self.port = free_port()
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-o", self._options(), "start"
                )
                break
            except PostgresServerError:
                if attempt == _START_ATTEMPTS:
                    self._remove_root()
                    raise
        self.pid = self._postmaster_pid()
        return self

    def stop(self) -> None:
        """Stop the server (`pg_ctl -m fast stop`: open sessions are ended) and remove its directory."""
        if self.root is None:
            return
        if self.pid is not None:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop")
            self.pid = None
        self._remove_root()

    def create_database(self) -> str:
        """A new empty database with a unique name; returns its URL."""
        name = f"test_{os.getpid()}_{next(_database_numbers)}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database of `url` (made by `create_database`), ending sessions still connected to it."""
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _root(self) -> Path:
        if self.root is None:
            raise PostgresServerError("the server was not started")
        return self.root

    def _options(self) -> str:
        settings = {
            "listen_addresses": "127.0.0.1",
            "fsync": "off",
            "max_connections": "200",
        }
        options = ["-p", str(self.port), "-k", str(self._root())]
        for key, value in settings.items():
            options += ["-c", f"{key}={value}"]
        return shlex.join(options)

    def _run(self, program: str, *args: str) -> None:
        argv = [str(self.bindir / program), *args]
        if _running_as_root():
            argv = ["runuser", "-u", SERVER_USER, "--", *argv]
        # cwd: the server user must be able to enter it (the test's cwd may be private to root)
        result = subprocess.run(argv, cwd=self._root(), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PostgresServerError(
                f"{program} exited with {result.returncode}: {result.stderr.strip() or result.stdout.strip()}"
                f"\n--- server log ---\n{self._log_tail()}"
            )

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def _postmaster_pid(self) -> int:
        # postmaster.pid: the first line is the postmaster's process id
        return int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])

    def _remove_root(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
