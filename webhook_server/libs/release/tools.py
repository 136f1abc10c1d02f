"""`ReleaseTools`: the argument-vector prefixes of the external tools the release flows start.

The defaults are the spec's (`release.md` §3, §4, §1.2 step 8). Tests replace a prefix with a tool that is
already installed (nothing is downloaded) and add flags for local registries and package indexes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReleaseTools:
    """How each tool is started.

    `registry_flags` are added to `podman login`, `podman push` and every `skopeo` call (tests use
    `--tls-verify=false` for a plain-HTTP registry on 127.0.0.1). `twine_upload_flags` are the options of
    `twine upload`: the spec's `--skip-existing` by default; tests replace them to point at a local package
    index (twine accepts `--skip-existing` only for PyPI and TestPyPI). `seconds_per_minute` converts configured
    timeouts (tests shrink it). `environment` is added to the environment of every tool (tests point podman
    at temporary storage with `CONTAINERS_STORAGE_CONF`/`CONTAINERS_CONF`).
    """

    podman: tuple[str, ...] = ("podman",)
    podman_build_flags: tuple[str, ...] = ("--isolation=chroot",)
    registry_flags: tuple[str, ...] = ()
    skopeo: tuple[str, ...] = ("skopeo",)
    uv: tuple[str, ...] = ("uv",)
    twine: tuple[str, ...] = ("uvx", "twine")
    twine_upload_flags: tuple[str, ...] = ("--skip-existing",)
    pre_commit: tuple[str, ...] = ("uvx", "prek")
    seconds_per_minute: float = 60.0
    environment: Mapping[str, str] = field(default_factory=dict)
