"""The isolation boundary of pull-request code: a bubblewrap (`bwrap`) sandbox around one command.

Inside the sandbox the command sees read-only system directories (plus the configured tool paths), its one
worktree read-write (with the worktree's own git metadata: the mirror read-only, the worktree's admin
directory read-write), a shared tool cache, and a private `/tmp`, `HOME`, `/dev` and `/proc`. Nothing else
of the host is mounted: not the data dir, the config, the App key, the ledger, the logs, other mirrors or
worktrees, nor the server's `/proc`. It runs in new PID, IPC, UTS and cgroup namespaces (and a new network
namespace when the check has no network), in its own session, and dies with its parent.

Who it runs as: a server that is not root starts bwrap in a new user namespace where the command's uid is
65534; on the host that is still the server's own unprivileged uid, without capabilities. A root server
starts bwrap as root (to mount), and `setpriv` drops the command to the configured unprivileged uid with
no capabilities and `no_new_privs` before it runs; the worktree and cache are handed to that uid first.
Memory (per-process data segment), process count and core dumps are limited with `prlimit`; wall time is
the runner's timeout, which kills bwrap's process group, and `--die-with-parent` takes the sandbox with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from webhook_server.libs.process.runner import run_command
from webhook_server.libs.process.sandbox_network import NetworkRelay, SandboxNetworkError

LOGGER = logging.getLogger(__name__)

SANDBOX_HOME = "/home/sandbox"
SANDBOX_CACHE = f"{SANDBOX_HOME}/.cache"
SANDBOX_UID = 65534
SYSTEM_READ_ONLY_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")
PROBE_TIMEOUT_SECONDS = 20.0
DEVICE_NODES = ("null", "zero", "full", "random", "urandom", "tty")
_DROPPED_ENV = ("XDG_RUNTIME_DIR",)


@dataclass(frozen=True)
class SandboxSettings:
    """The operator's `sandbox` block and `unsafe-run-checks-without-sandbox` (config.yaml, root only)."""

    bwrap_path: str = "bwrap"
    memory_mb: int = 4096
    max_processes: int = 1024
    read_only_paths: tuple[str, ...] = ()
    uid: int = SANDBOX_UID
    unsafe_without_sandbox: bool = False
    slirp4netns_path: str = "slirp4netns"
    # Not a config key: extra read-write paths for embedders and tests (never the data dir).
    writable_paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class SandboxMounts:
    """What one command may see besides the system: its worktree (rw) and the tool cache (rw)."""

    worktree: Path
    cache_dir: Path
    extra_writable: tuple[Path, ...] = ()
    extra_read_only: tuple[Path, ...] = ()

    @classmethod
    def for_worktree(cls, worktree: Path, cache_dir: Path) -> SandboxMounts:
        """The worktree plus its git metadata (admin directory rw, the repository's own mirror ro)."""
        admin, common = git_metadata(worktree)
        return cls(
            worktree=worktree,
            cache_dir=cache_dir,
            extra_writable=() if admin is None else (admin,),
            extra_read_only=() if common is None else (common,),
        )


@dataclass(frozen=True)
class SandboxStatus:
    """Whether PR code can run: in the sandbox, unsandboxed by explicit operator choice, or not at all."""

    available: bool
    reason: str = ""
    with_proc: bool = True
    unsafe_allowed: bool = False
    isolated_network: bool = False

    @property
    def mode(self) -> str:
        """`sandboxed`, `unsandboxed (unsafe)` or `refused`: the words of the startup log and check output."""
        if self.available:
            return "sandboxed"
        return "unsandboxed (unsafe)" if self.unsafe_allowed else "refused"


@dataclass(frozen=True)
class SandboxLaunch:
    """How to start one sandboxed command with `run_command`: argv, environment, and the network hook."""

    argv: tuple[str, ...]
    env: dict[str, str]
    pass_fds: tuple[int, ...] = ()
    on_started: Callable[[int], Awaitable[None]] | None = None


class SandboxUnavailableError(Exception):
    """PR code must not run: the sandbox cannot start and the operator did not allow running without it."""


def git_metadata(worktree: Path) -> tuple[Path | None, Path | None]:
    """The worktree's admin directory and its repository's common git directory (from `.git` and `commondir`)."""
    dot_git = worktree / ".git"
    if not dot_git.is_file():
        return None, None
    line = dot_git.read_text().strip()
    if not line.startswith("gitdir:"):
        return None, None
    admin = (worktree / line.removeprefix("gitdir:").strip()).resolve()
    commondir = admin / "commondir"
    common = (admin / commondir.read_text().strip()).resolve() if commondir.is_file() else None
    return admin, common


@dataclass
class Sandbox:
    """Builds sandboxed argument vectors and knows (after `probe`) whether the sandbox works here."""

    settings: SandboxSettings = field(default_factory=SandboxSettings)
    status: SandboxStatus | None = None

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    async def probe(self) -> SandboxStatus:
        """Start `true` in the sandbox (with a private /proc, else without); remember and return the result."""
        reason = ""
        for with_proc in (True, False):
            error = await self._try_start(with_proc)
            if error is None:
                self.status = SandboxStatus(available=True, with_proc=with_proc)
                if with_proc:
                    await self._probe_network()
                return self.status
            reason = reason or error
        self.status = SandboxStatus(available=False, reason=reason, unsafe_allowed=self.settings.unsafe_without_sandbox)
        return self.status

    async def _probe_network(self) -> None:
        """Checks with network get slirp4netns (no host loopback) when it is installed and works here."""
        assert self.status is not None
        if shutil.which(self.settings.slirp4netns_path) is None:
            LOGGER.info("%s not found: sandboxed checks with network share the host's", self.settings.slirp4netns_path)
            return
        self.status = replace(self.status, isolated_network=True)
        with tempfile.TemporaryDirectory(prefix="sandbox-probe-") as tmp:
            mounts = SandboxMounts(worktree=Path(tmp), cache_dir=Path(tmp))
            try:
                async with self.launch(("true",), mounts, network=True, env={"PATH": os.defpath}) as launch:
                    result = await run_command(
                        launch.argv,
                        cwd=Path(tmp),
                        env=launch.env,
                        timeout_seconds=PROBE_TIMEOUT_SECONDS,
                        pass_fds=launch.pass_fds,
                        on_started=launch.on_started,
                    )
                error = None if result.succeeded else result.stderr.strip()
            except SandboxNetworkError as failure:
                error = str(failure)
        if error is not None:
            LOGGER.warning("%s: sandboxed checks with network share the host's network", error)
            self.status = replace(self.status, isolated_network=False)

    @contextlib.asynccontextmanager
    async def launch(
        self, command: Sequence[str], mounts: SandboxMounts, *, network: bool, env: Mapping[str, str]
    ) -> AsyncIterator[SandboxLaunch]:
        """The sandboxed start of `command`; a check with network gets slirp4netns while the block runs."""
        status = self.status
        if not network or status is None or not status.isolated_network:
            yield SandboxLaunch(self.argv(command, mounts, network=network), self.environment(env))
            return
        relay = NetworkRelay(self.settings.slirp4netns_path, join_user_namespace=not self.as_root)
        try:
            argv = self.argv(relay.wrap(command), mounts, network=False, info_fd=relay.info_fd)
            yield SandboxLaunch(argv, self.environment(env), (relay.info_fd,), relay.attach)
        finally:
            await relay.close()

    async def _try_start(self, with_proc: bool) -> str | None:
        with tempfile.TemporaryDirectory(prefix="sandbox-probe-") as tmp:
            root = Path(tmp)
            (root / "wt").mkdir()
            (root / "cache").mkdir()
            mounts = SandboxMounts(worktree=root / "wt", cache_dir=root / "cache")
            self.hand_over(mounts)
            argv = self.argv(("true",), mounts, network=False, with_proc=with_proc)
            try:
                process = await asyncio.create_subprocess_exec(
                    *argv,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                    env={"PATH": os.defpath},
                    start_new_session=True,
                )
            except OSError as error:
                return f"cannot start {self.settings.bwrap_path}: {error.strerror or error}"
            try:
                async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                    _, stderr = await process.communicate()
            except TimeoutError:
                process.kill()
                await process.wait()
                return f"{self.settings.bwrap_path} did not finish within {PROBE_TIMEOUT_SECONDS:.0f} s"
        if process.returncode != 0:
            detail = stderr.decode(errors="replace").strip()
            return f"{self.settings.bwrap_path} failed (exit {process.returncode}): {detail}"
        return None

    def require(self) -> bool:
        """True to sandbox, False to run unsandboxed (operator's explicit choice); raises when neither."""
        status = self.status
        if status is None:
            raise SandboxUnavailableError("the sandbox was not probed")
        if status.available:
            return True
        if status.unsafe_allowed:
            return False
        raise SandboxUnavailableError(status.reason)

    def hand_over(self, mounts: SandboxMounts) -> None:
        """A root server gives the writable mounts to the sandbox uid (the command cannot write root's files)."""
        if not self.as_root:
            return
        for path in (mounts.worktree, mounts.cache_dir, *mounts.extra_writable):
            _chown_tree(path, self.settings.uid)

    def argv(
        self,
        command: Sequence[str],
        mounts: SandboxMounts,
        *,
        network: bool,
        with_proc: bool | None = None,
        info_fd: int | None = None,
    ) -> tuple[str, ...]:
        """`bwrap <namespaces> <mounts> -- [setpriv ...] prlimit ... -- <command>`."""
        proc = self.status.with_proc if with_proc is None and self.status else with_proc is not False
        argv = [self.settings.bwrap_path, *self._namespaces(network), *self._mounts(mounts, proc)]
        if info_fd is not None:
            argv += ["--info-fd", str(info_fd)]
        argv += ["--chdir", str(mounts.worktree), "--", *self._drop_privileges(), *self._limits(), *command]
        return tuple(argv)

    def environment(self, env: Mapping[str, str]) -> dict[str, str]:
        """The command's environment with HOME, caches and TMPDIR pointing inside the sandbox."""
        inside = {name: value for name, value in env.items() if name not in _DROPPED_ENV}
        inside.update(
            HOME=SANDBOX_HOME,
            XDG_CACHE_HOME=SANDBOX_CACHE,
            UV_CACHE_DIR=f"{SANDBOX_CACHE}/uv",
            PRE_COMMIT_HOME=f"{SANDBOX_CACHE}/pre-commit",
            TMPDIR="/tmp",  # noqa: S108 - the sandbox's private tmpfs
        )
        return inside

    def _namespaces(self, network: bool) -> list[str]:
        flags = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"]
        if not self.as_root:
            flags += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--cap-drop", "ALL"]
        if not network:
            flags.append("--unshare-net")
        return [*flags, "--die-with-parent", "--new-session"]

    def _mounts(self, mounts: SandboxMounts, with_proc: bool) -> list[str]:
        args: list[str] = []
        for system_path in SYSTEM_READ_ONLY_PATHS:
            args += _read_only(Path(system_path))
        args += [*_minimal_dev(), *(["--proc", "/proc"] if with_proc else [])]
        args += ["--perms", "1777", "--tmpfs", "/tmp", "--perms", "0777", "--tmpfs", SANDBOX_HOME]  # noqa: S108
        args += ["--bind", str(mounts.cache_dir), SANDBOX_CACHE]
        read_only = [Path(path) for path in self.settings.read_only_paths if Path(path).exists()]
        read_only += mounts.extra_read_only
        writable = [*(Path(path) for path in self.settings.writable_paths), *mounts.extra_writable, mounts.worktree]
        for parent in _parents_to_create([*read_only, *writable]):
            args += ["--perms", "0755", "--dir", str(parent)]
        for source in read_only:
            args += ["--ro-bind", str(source), str(source)]
        for source in writable:
            args += ["--bind", str(source), str(source)]
        return args

    def _drop_privileges(self) -> list[str]:
        if not self.as_root:
            return []
        uid = str(self.settings.uid)
        return [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]

    def _limits(self) -> list[str]:
        memory = self.settings.memory_mb * 1024 * 1024
        return ["prlimit", f"--data={memory}", f"--nproc={self.settings.max_processes}", "--core=0", "--"]


def _read_only(path: Path) -> list[str]:
    """A system path as it is on the host: a symlink stays a symlink (merged /usr), a directory is bound."""
    if path.is_symlink():
        return ["--symlink", os.readlink(path), str(path)]
    if path.exists():
        return ["--ro-bind", str(path), str(path)]
    return []


def _minimal_dev() -> list[str]:
    """The usual device nodes, bound from the host. Not `--dev`: its devpts makes bwrap nest a second user
    namespace, and slirp4netns could then not join the one that owns the network namespace."""
    args = ["--perms", "0755", "--dir", "/dev"]
    for node in DEVICE_NODES:
        args += ["--dev-bind-try", f"/dev/{node}", f"/dev/{node}"]
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "fd/0"), ("stdout", "fd/1"), ("stderr", "fd/2")):
        args += ["--symlink", target, f"/dev/{name}"]
    return [*args, "--perms", "1777", "--tmpfs", "/dev/shm"]  # noqa: S108 - a private tmpfs


def _parents_to_create(paths: Sequence[Path]) -> list[Path]:
    """Ancestors of bind destinations that bwrap would otherwise create owner-only (untraversable by the uid)."""
    system = [Path(path) for path in SYSTEM_READ_ONLY_PATHS]
    existing = {Path("/"), Path("/tmp"), Path(SANDBOX_HOME)}  # noqa: S108
    parents = {
        parent
        for path in paths
        for parent in path.parents
        if parent not in existing and not any(parent == root or root in parent.parents for root in system)
    }
    return sorted(parents, key=lambda parent: len(parent.parts))


def _chown_tree(root: Path, uid: int) -> None:
    """Give `root` and everything under it to `uid`; a tree whose top is already the uid's is left as is
    (the shared cache: what the sandbox wrote there is the uid's already)."""
    if root.lstat().st_uid == uid:
        return
    os.chown(root, uid, uid, follow_symlinks=False)
    for directory, subdirs, files in os.walk(root):
        for name in (*subdirs, *files):
            os.chown(os.path.join(directory, name), uid, uid, follow_symlinks=False)


def describe_mode(status: SandboxStatus, settings: SandboxSettings) -> str:
    """The startup log line saying how PR code will run."""
    if status.available:
        proc = "" if status.with_proc else " (without a private /proc: the container masks /proc)"
        network = (
            f"checks with network use {settings.slirp4netns_path} (the host's loopback is unreachable)"
            if status.isolated_network
            else "checks with network share the host's network, loopback included"
        )
        return f"PR-code checks run sandboxed with {settings.bwrap_path}{proc}; {network}"
    if status.unsafe_allowed:
        return (
            "PR-code checks run WITHOUT a sandbox (unsafe-run-checks-without-sandbox: true): "
            f"PR code can read the server's secrets. Sandbox unavailable: {status.reason}"
        )
    return f"PR-code checks are refused: the sandbox is unavailable ({status.reason})"
