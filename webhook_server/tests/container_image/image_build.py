"""Build the project's real Dockerfile on a machine that cannot pull images.

The base is a Debian trixie rootfs made by `mmdebstrap --variant=minbase` (like `debian:trixie-slim`), imported
by podman and passed as the `BASE_IMAGE` build argument. Only this test base carries the host's CA bundle (HTTPS
from RUN steps is verified against it). The tarball and podman's storage (image layers, `--layers` cache) live in
a cache directory outside the temporary directories, so warm runs rebuild only what changed.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CACHE_ENV_VAR = "WEBHOOK_SERVER_TEST_CACHE"
SUITE = "trixie"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
BASE_CA_BUNDLE = "/usr/local/share/host-ca-certificates.crt"
BASE_RECIPE = f"mmdebstrap --variant=minbase {SUITE} + host CA bundle at {BASE_CA_BUNDLE}"
IMAGE_INPUTS = ("Dockerfile", "uv.lock", "container/tools-constraints.txt", "container/ai-clis/package-lock.json")
RUN_FLAGS = ("--runtime", "runc", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--network", "host")


def cache_root() -> Path:
    """`$WEBHOOK_SERVER_TEST_CACHE`, else `$XDG_CACHE_HOME` (or ~/.cache) `/github-webhook-server-tests`."""
    explicit = os.environ.get(CACHE_ENV_VAR)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "github-webhook-server-tests"


def short_hash(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:12]


def image_key() -> str:
    """Changes with the Dockerfile and the locks (the image tag; layers are reused by buildah either way)."""
    return short_hash(*((PROJECT_ROOT / name).read_bytes() for name in IMAGE_INPUTS))


@dataclass(frozen=True)
class Podman:
    """podman and buildah with their storage and engine settings in the cache directory."""

    root: Path

    @classmethod
    def in_cache(cls, root: Path) -> Podman:
        root.mkdir(parents=True, exist_ok=True)
        (root / "storage.conf").write_text(
            f'[storage]\ndriver = "overlay"\ngraphroot = "{root}/graph"\nrunroot = "{root}/run"\n'
        )
        (root / "containers.conf").write_text(
            f'[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\ntmp_dir = "{root}/libpod"\n'
        )
        return cls(root)

    @property
    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "CONTAINERS_STORAGE_CONF": str(self.root / "storage.conf"),
            "CONTAINERS_CONF": str(self.root / "containers.conf"),
        }

    def run(
        self, tool: str, *args: str, timeout: float = 120.0, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [tool, *args], env=self.environment, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-4000:]}")
        return result

    def podman(self, *args: str, timeout: float = 120.0, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("podman", *args, timeout=timeout, check=check)

    def image_exists(self, name: str) -> bool:
        return self.podman("image", "exists", name, check=False).returncode == 0


@contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """One builder at a time across pytest workers and concurrent runs on the machine."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def debian_base_tarball(cache: Path) -> Path:
    """The minbase rootfs tarball with the host's CA bundle, made once per recipe."""
    tarball = cache / f"debian-{SUITE}-minbase-{short_hash(BASE_RECIPE.encode())}.tar"
    if tarball.exists():
        return tarball
    partial = tarball.with_name(f"partial-{os.getpid()}-{tarball.name}")
    copy_bundle = f'cat {HOST_CA_BUNDLE} > "$1{BASE_CA_BUNDLE}"'
    subprocess.run(
        ["mmdebstrap", "--variant=minbase", "--format=tar", f"--customize-hook={copy_bundle}", SUITE, str(partial)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    partial.rename(tarball)
    return tarball


def debian_base_image(engine: Podman, cache: Path) -> str:
    """`localhost/debian-minbase:<recipe hash>` imported from the tarball, with the CA variables set."""
    name = f"localhost/debian-minbase:{SUITE}-{short_hash(BASE_RECIPE.encode())}"
    if engine.image_exists(name):
        return name
    tarball = debian_base_tarball(cache)
    changes = [f"ENV {variable}={BASE_CA_BUNDLE}" for variable in ("SSL_CERT_FILE", "PIP_CERT", "NODE_EXTRA_CA_CERTS")]
    engine.podman("import", *(f"--change={change}" for change in changes), str(tarball), name, timeout=600)
    return name


@dataclass(frozen=True)
class BuiltImage:
    """The image under test and how long the build took (seconds; a warm build reuses layers)."""

    name: str
    engine: Podman
    build_seconds: float
    base: str


def build_server_image(cache: Path | None = None, extra_args: Sequence[str] = ()) -> BuiltImage:
    """Build the project's Dockerfile on the local Debian base (`--layers` cache in the cache dir)."""
    cache = cache or cache_root()
    engine = Podman.in_cache(cache / "containers")
    with exclusive(cache / "build.lock"):
        base = debian_base_image(engine, cache)
        name = f"localhost/github-webhook-server:test-{image_key()}"
        started = time.monotonic()
        engine.run(
            "buildah",
            "bud",
            "--isolation",
            "chroot",
            "--network",
            "host",
            "--pull=never",
            "--format",
            "docker",
            "--layers",
            "--build-arg",
            f"BASE_IMAGE={base}",
            "-t",
            name,
            *extra_args,
            "-f",
            str(PROJECT_ROOT / "Dockerfile"),
            str(PROJECT_ROOT),
            timeout=2400,
        )
        build_seconds = time.monotonic() - started
        engine.podman("image", "prune", "--force", timeout=600)  # earlier builds' untagged images
        return BuiltImage(name, engine, build_seconds, base)


def missing_tools() -> list[str]:
    """The host tools the image tests need that are not installed."""
    return [tool for tool in ("podman", "buildah", "mmdebstrap", "runc") if shutil.which(tool) is None]
