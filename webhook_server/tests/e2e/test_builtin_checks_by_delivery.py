"""Each built-in check (tox, pre-commit, python-module-install, build-container) started the way
production starts it: a `pull_request` delivery posted to the running server. The tools are the real
ones; a `uvx` stand-in on PATH runs those already installed (nothing downloads). Assertions are on the
check runs GitHub receives, not on how the subprocess is launched."""

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from webhook_server.tests.checks.test_builtin_checks import (
    BASE_IMAGE,
    PRE_COMMIT_CONFIG,
    PYPROJECT,
    TINY_BACKEND,
    TOX_INI,
    container_storage,
)
from webhook_server.tests.e2e.conftest import GithubBackedServers
from webhook_server.tests.e2e.harness import WEBHOOK_SECRET
from webhook_server.tests.fake_github.api import FakeGitHub

__all__ = ["container_storage"]  # the module-scoped podman storage fixture

REPO = "org/widget"
CHECKS = ("tox", "pre-commit", "python-module-install", "build-container")
VENV_BIN = Path(sys.executable).parent
UVX_STAND_IN = f"""#!/bin/sh
# uvx for tests: run a tool already installed next to the test interpreter
while :; do
  case "$1" in
    --python=*) shift ;;
    --python|--from) shift 2 ;;
    --directory) cd "$2" || exit 2; shift 2 ;;
    *) break ;;
  esac
done
tool="$1"; shift
case "$tool" in
  tox) exec "{VENV_BIN}/tox" "$@" ;;
  prek) exec "{VENV_BIN}/pre-commit" "$@" ;;
  pip) exec "{sys.executable}" -m pip "$@" ;;
  *) echo "uvx stand-in: unknown tool $tool" >&2; exit 127 ;;
esac
"""


@pytest.fixture
def uvx_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The stand-in on the server's PATH; returns the `sandbox` config that shows it and the test tools
    (this virtualenv, its base Python) read-only inside the sandbox of PR code."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(mode=0o755)
    uvx = bin_dir / "uvx"
    uvx.write_text(UVX_STAND_IN)
    uvx.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return {"read-only-paths": list(dict.fromkeys((sys.prefix, sys.base_prefix, str(bin_dir))))}


def _repository_files() -> dict[str, str]:
    return {
        "README.md": "widget\n",
        "tox.ini": TOX_INI,
        ".pre-commit-config.yaml": PRE_COMMIT_CONFIG,
        "notes.txt": "fine\n",
        "pyproject.toml": PYPROJECT,
        "tiny_backend.py": TINY_BACKEND,
        "tinypkg/__init__.py": "VALUE = 1\n",
        "Dockerfile": f"FROM {BASE_IMAGE}\nCOPY notes.txt /notes.txt\n",
    }


def _repository_config(passthrough: list[str]) -> dict[str, Any]:
    return {
        "name": REPO,
        "tox": {"main": "ok"},
        "pre-commit": True,
        "pypi": {"token": "pypi-test-token-value"},
        "container": {"username": "u", "password": "registry-password-value", "repository": "localhost/acme/widget"},
        "check-environment-passthrough": passthrough,
    }


async def test_a_pr_delivery_runs_every_builtin_check(
    fake_github: FakeGitHub,
    github_servers: GithubBackedServers,
    container_storage: dict[str, str],
    uvx_on_path: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in container_storage.items():
        monkeypatch.setenv(name, value)
    fake_github.create_repo(REPO, _repository_files(), collaborators={"bot-user": "admin"})
    fake_github.install_app(REPO)
    server = github_servers.start(
        {"widget": _repository_config(list(container_storage))},
        [fake_github.create_token("bot-user")],
        sandbox=uvx_on_path,
    )
    fake_github.register_hook(REPO, "", secret=WEBHOOK_SECRET, events=["pull_request"])  # record, do not send
    number = fake_github.open_pr(REPO, head="feature", base="main", title="feat: x", files={"notes.txt": "TODO\n"})
    fake_github.wait_for_deliveries_sent()
    [opened] = fake_github.deliveries("pull_request", action="opened")

    row = await server.deliver("pull_request", opened.payload, timeout=300)
    assert row.status == "succeeded", row
    head_sha = fake_github.pull(REPO, number)["head"]["sha"]
    runs = {name: fake_github.check_runs(REPO, head_sha, name=name)[-1] for name in CHECKS}
    outcomes = {name: (run["status"], run["conclusion"], run["output"]["title"]) for name, run in runs.items()}
    assert outcomes == {
        "tox": ("completed", "success", "Tox"),
        "pre-commit": ("completed", "failure", "Pre-Commit"),
        "python-module-install": ("completed", "success", "Python module installation"),
        "build-container": ("completed", "success", "Build container"),
    }, {name: run["output"].get("text", "")[-2000:] for name, run in runs.items()}
    assert "tox-env-ok" in runs["tox"]["output"]["text"]
    assert "no TODO markers" in runs["pre-commit"]["output"]["text"]
    assert "1:TODO" in runs["pre-commit"]["output"]["text"]
    assert "Successfully built tinypkg" in runs["python-module-install"]["output"]["text"]
    assert all("registry-password-value" not in str(run["output"]) for run in runs.values())
    assert all("pypi-test-token-value" not in str(run["output"]) for run in runs.values())
