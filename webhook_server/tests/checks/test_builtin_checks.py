"""The built-in command checks with the real tools, on tiny repositories the tests create (nothing is
downloaded): tox, pre-commit `repo: local` hooks, a wheel build and a podman build from a local base image."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from webhook_server.libs.checks import CheckTarget
from webhook_server.tests.checks.conftest import FULL_NAME, CheckWorld

TOX_INI = """\
[tox]
skipsdist = true

[testenv]
skip_install = true

[testenv:ok]
commands = python -c "print('tox-env-ok')"

[testenv:bad]
commands = python -c "import sys; print('tox-env-bad'); sys.exit(3)"
"""

PRE_COMMIT_CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: no-todo
        name: no TODO markers
        entry: sh -c '! grep -n TODO "$@"' --
        language: system
        files: \\.txt$
"""

TINY_BACKEND = '''\
"""A build backend with no requirements: writes a one-module wheel (so no build dependency is downloaded)."""

import base64
import hashlib
import zipfile
from pathlib import Path

NAME, VERSION = "tinypkg", "0.1.0"
DIST_INFO = f"{NAME}-{VERSION}.dist-info"


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {
        f"{NAME}/__init__.py": Path(NAME, "__init__.py").read_bytes(),
        f"{DIST_INFO}/METADATA": f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n".encode(),
        f"{DIST_INFO}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: tiny\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }
    record = "\\n".join([*(_record_line(p, d) for p, d in files.items()), f"{DIST_INFO}/RECORD,,"]) + "\\n"
    wheel_name = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / wheel_name, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{DIST_INFO}/RECORD", record)
    return wheel_name
'''

PYPROJECT = """\
[build-system]
requires = []
build-backend = "tiny_backend"
backend-path = ["."]
"""

BASE_IMAGE = "localhost/checks-test-base:1"


async def _run_checks(world: CheckWorld, config_keys: dict[str, object], *targets: CheckTarget) -> None:
    config = world.config(**config_keys)
    service = world.service()
    job_ids = []
    for target in targets:
        job_ids += await service.start_checks(world.repo, config, target, delivery_id=f"d-{target.number}")
    await service.wait_for_jobs(job_ids)


async def test_tox_runs_the_envs_of_the_base_branch(world: CheckWorld) -> None:
    world.fake.push(FULL_NAME, "main", {"tox.ini": TOX_INI})
    world.fake.create_branch(FULL_NAME, "release", "main")
    passing = world.open_pr({"a.txt": "a\n"}, branch="to-main")
    number = world.fake.open_pr(FULL_NAME, head="to-release", base="release", files={"b.txt": "b\n"})
    failing = world.target(number)
    await _run_checks(world, {"tox": {"main": "ok", "release": ["bad"], "args": "-v"}}, passing, failing)
    [passed] = world.runs(passing.head_sha, "tox")
    assert (passed["conclusion"], passed["output"]["title"]) == ("success", "Tox")
    assert "tox-env-ok" in passed["output"]["text"]
    assert "tox-env-bad" not in passed["output"]["text"]
    [failed] = world.runs(failing.head_sha, "tox")
    assert failed["conclusion"] == "failure"
    assert failed["output"]["summary"].startswith("Exit code ")
    assert "tox-env-bad" in failed["output"]["text"]


async def test_pre_commit_local_hooks_pass_and_fail(world: CheckWorld) -> None:
    world.fake.push(FULL_NAME, "main", {".pre-commit-config.yaml": PRE_COMMIT_CONFIG, "notes.txt": "fine\n"})
    clean = world.open_pr({"clean.txt": "all good\n"}, branch="clean")
    number = world.fake.open_pr(FULL_NAME, head="dirty", base="main", files={"dirty.txt": "TODO: fix\n"})
    dirty = world.target(number)
    await _run_checks(world, {"pre_commit": True}, clean, dirty)
    [passed] = world.runs(clean.head_sha, "pre-commit")
    assert (passed["conclusion"], passed["output"]["title"]) == ("success", "Pre-Commit")
    assert "no TODO markers" in passed["output"]["text"]
    [failed] = world.runs(dirty.head_sha, "pre-commit")
    assert failed["conclusion"] == "failure"
    assert "dirty.txt:1:TODO: fix" in failed["output"]["text"]


async def test_python_module_install_builds_a_wheel(world: CheckWorld) -> None:
    world.fake.push(
        FULL_NAME,
        "main",
        {"pyproject.toml": PYPROJECT, "tiny_backend.py": TINY_BACKEND, "tinypkg/__init__.py": "VALUE = 1\n"},
    )
    good = world.open_pr({"tinypkg/extra.py": "X = 2\n"}, branch="good")
    number = world.fake.open_pr(FULL_NAME, head="broken", base="main", files={"tinypkg/__init__.py": None})
    broken = world.target(number)
    await _run_checks(world, {"pypi": {"token": "pypi-test-token-value"}}, good, broken)
    [built] = world.runs(good.head_sha, "python-module-install")
    assert (built["conclusion"], built["output"]["title"]) == ("success", "Python module installation")
    assert "Successfully built tinypkg" in built["output"]["text"]
    [failed] = world.runs(broken.head_sha, "python-module-install")
    assert failed["conclusion"] == "failure"
    assert "FileNotFoundError" in failed["output"]["text"]


@pytest.fixture(scope="module")
def container_storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Podman/buildah storage in a temp dir with a local busybox base image (nothing is pulled)."""
    root = tmp_path_factory.mktemp("containers")
    storage_conf = root / "storage.conf"
    storage_conf.write_text(f'[storage]\ndriver = "vfs"\ngraphroot = "{root}/graph"\nrunroot = "{root}/run"\n')
    containers_conf = root / "containers.conf"
    containers_conf.write_text('[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n')
    env = {"CONTAINERS_STORAGE_CONF": str(storage_conf), "CONTAINERS_CONF": str(containers_conf)}
    tool_env = {**os.environ, **env}

    def run(*argv: str) -> str:
        return subprocess.run(argv, env=tool_env, check=True, capture_output=True, text=True).stdout.strip()

    container = run("buildah", "from", "scratch")
    run("buildah", "copy", container, "/bin/busybox", "/bin/busybox")
    run("buildah", "run", "--isolation", "chroot", container, "--", "/bin/busybox", "--install", "-s", "/bin")
    run("buildah", "commit", "--quiet", container, BASE_IMAGE)
    run("buildah", "rm", container)
    yield env
    shutil.rmtree(root, ignore_errors=True)


def _podman(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], env={**os.environ, **env}, capture_output=True, text=True, check=False)


async def test_build_container_builds_the_pr_image_without_pushing(
    world: CheckWorld, container_storage: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in container_storage.items():
        monkeypatch.setenv(name, value)
    dockerfile = f'FROM {BASE_IMAGE}\nARG GREETING=none\nRUN echo "$GREETING" > /greeting.txt\nCOPY app.txt /app.txt\n'
    world.fake.push(FULL_NAME, "main", {"docker/Containerfile": dockerfile, "docker/app.txt": "app\n"})
    target = world.open_pr({"docker/app.txt": "changed app\n"})
    container = {
        "username": "registry-user",
        "password": "registry-password-value",
        "repository": "localhost/acme/widget",
        "dockerfile": "docker/Containerfile",
        "context": "docker",
        "build-args": ["GREETING=hello"],
        "oci-annotations": {"enabled": True, "static": {"org.example.team": "checks"}},
    }
    passthrough = list(container_storage)
    await _run_checks(world, {"container": container, "check_environment_passthrough": passthrough}, target)
    [run] = world.runs(target.head_sha, "build-container")
    assert (run["conclusion"], run["output"]["title"]) == ("success", "Build container"), run["output"]["text"]
    image = "localhost/acme/widget:pr-1"
    assert _podman(container_storage, "image", "exists", image).returncode == 0
    inspected = json.loads(_podman(container_storage, "image", "inspect", image).stdout)[0]
    annotations = inspected.get("Annotations") or {}
    assert annotations.get("org.opencontainers.image.revision") == target.head_sha
    assert annotations.get("org.example.team") == "checks"
    assert "registry-password-value" not in run["output"]["text"]


async def test_a_failing_container_build_fails_the_check(
    world: CheckWorld, container_storage: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in container_storage.items():
        monkeypatch.setenv(name, value)
    world.fake.push(FULL_NAME, "main", {"Dockerfile": f"FROM {BASE_IMAGE}\nRUN exit 7\n"})
    target = world.open_pr({"a.txt": "a\n"})
    container = {"username": "u", "password": "p", "repository": "localhost/acme/widget"}
    await _run_checks(world, {"container": container, "check_environment_passthrough": list(container_storage)}, target)
    [run] = world.runs(target.head_sha, "build-container")
    assert run["conclusion"] == "failure"
    assert "exit status 7" in run["output"]["text"]
