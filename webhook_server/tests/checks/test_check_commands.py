"""The argument vectors of the command checks (spec defaults, with `uvx`), titles, annotations and results."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from webhook_server.libs.checks import CheckTarget, ToolLaunchers
from webhook_server.libs.checks.build_container import build_argv, build_context, oci_annotations
from webhook_server.libs.checks.model import CheckInputs, CheckNotRunnableError
from webhook_server.libs.checks.outcome import command_result, preparation_failure
from webhook_server.libs.checks.registry import check_command, check_title
from webhook_server.libs.config import (
    ContainerConfig,
    OciAnnotations,
    RepositoryConfig,
    config_from_document,
    repository_config,
)
from webhook_server.libs.process.runner import CommandResult

WORKTREE = Path("/data/worktrees/widget-1234")
TARGET = CheckTarget(number=7, head_sha="a" * 40, head_ref="feature", base_ref="main", base_sha="b" * 40)


def config_of(**keys: Any) -> RepositoryConfig:
    document = {
        "github-app-id": 1,
        "github-tokens": ["ghp_token_value"],
        "check-timeout-minutes": 25,
        "repositories": {"widget": {"name": "acme/widget", **{k.replace("_", "-"): v for k, v in keys.items()}}},
    }
    config = config_from_document(Path("/nonexistent"), document, require_private_key=False)
    entry = config.find_repository("acme/widget")
    assert entry is not None
    return repository_config(config, entry)


def inputs(name: str, config: RepositoryConfig, base_ref: str = "main") -> CheckInputs:
    target = CheckTarget(TARGET.number, TARGET.head_sha, TARGET.head_ref, base_ref, TARGET.base_sha)
    return CheckInputs(
        name=name,
        worktree=WORKTREE,
        config=config,
        target=target,
        launchers=ToolLaunchers(),
        web_base_url="https://github.com",
    )


WT = str(WORKTREE)
TOX_COMMON = ("tox", "--workdir", WT, "--root", WT, "-c", WT)


@pytest.mark.parametrize(
    ("tox", "base_ref", "expected"),
    [
        ({"main": "py311, lint"}, "main", ("uvx", *TOX_COMMON, "-e", "py311,lint")),
        ({"main": ["py311", "lint"]}, "main", ("uvx", *TOX_COMMON, "-e", "py311,lint")),
        ({"main": "all"}, "main", ("uvx", *TOX_COMMON)),
        ({"main": "py311"}, "release", ("uvx", *TOX_COMMON)),
        (
            {"main": "py311", "python-version": "3.12", "args": "--parallel 2 -x 'a b'"},
            "main",
            ("uvx", "--python=3.12", *TOX_COMMON, "-e", "py311", "--parallel", "2", "-x", "a b"),
        ),
    ],
    ids=["string-envs-spaces-removed", "list-envs", "all", "base-without-key", "python-and-args"],
)
def test_tox_argument_vector(tox: dict[str, Any], base_ref: str, expected: tuple[str, ...]) -> None:
    command = check_command(inputs("tox", config_of(tox=tox), base_ref))
    assert command.argv == expected
    assert (command.cwd, command.timeout_minutes, command.title) == (WORKTREE, 25, "Tox")


@pytest.mark.parametrize(
    ("name", "keys", "expected_argv", "title"),
    [
        (
            "pre-commit",
            {"pre_commit": True},
            ("uvx", "--directory", WT, "prek", "run", "--all-files"),
            "Pre-Commit",
        ),
        (
            "python-module-install",
            {"pypi": {"token": "pypi-token-value"}},
            ("uvx", "pip", "wheel", "--no-cache-dir", "-w", f"{WT}/dist", WT),
            "Python module installation",
        ),
        (
            "lint",
            {"custom_check_runs": [{"name": "lint", "command": "make lint DIR={worktree_path}", "timeout-minutes": 3}]},
            ("/bin/sh", "-c", f"make lint DIR={WT}"),
            "Custom Check: lint",
        ),
    ],
    ids=["pre-commit", "python-module-install", "custom-with-placeholder"],
)
def test_other_argument_vectors(name: str, keys: dict[str, Any], expected_argv: tuple[str, ...], title: str) -> None:
    command = check_command(inputs(name, config_of(**keys)))
    assert (command.argv, command.title, command.cwd) == (expected_argv, title, WORKTREE)
    assert check_title(name) == title


def test_custom_check_uses_its_own_timeout_and_built_ins_the_global_one() -> None:
    config = config_of(custom_check_runs=[{"name": "fast", "command": "true", "timeout-minutes": 3}], pre_commit=True)
    assert check_command(inputs("fast", config)).timeout_minutes == 3
    assert check_command(inputs("pre-commit", config)).timeout_minutes == 25


def test_installed_tool_launchers_replace_the_uvx_prefix() -> None:
    launchers = ToolLaunchers(tox=("/venv/bin/tox",), pre_commit=("/venv/bin/pre-commit",), pip=("python", "-m", "pip"))
    config = config_of(tox={"main": "py", "python-version": "3.12"}, pre_commit=True, pypi={"token": "pypi-tok"})
    base = inputs("tox", config)
    argv = {
        name: check_command(CheckInputs(name, WORKTREE, config, base.target, launchers, base.web_base_url)).argv
        for name in ("tox", "pre-commit", "python-module-install")
    }
    assert argv["tox"][:2] == ("/venv/bin/tox", "--workdir")
    assert argv["pre-commit"] == ("/venv/bin/pre-commit", "run", "--all-files")
    assert argv["python-module-install"][:4] == ("python", "-m", "pip", "wheel")


@pytest.mark.parametrize(
    ("name", "keys", "message"),
    [
        ("tox", {}, "tox is not configured"),
        ("build-container", {}, "container is not configured"),
        ("unknown", {}, "custom check unknown is not configured"),
    ],
    ids=["tox", "container", "custom"],
)
def test_checks_without_their_config_cannot_run(name: str, keys: dict[str, Any], message: str) -> None:
    with pytest.raises(CheckNotRunnableError, match=message):
        check_command(inputs(name, config_of(**keys)))


def test_build_container_check_argument_vector() -> None:
    container = {
        "username": "user",
        "password": "secret-password",
        "repository": "quay.io/acme/widget",
        "args": "--squash --label a=b",
        "build-args": ["A=1", "B=two words"],
        "context": "images/app",
        "dockerfile": "images/Containerfile",
    }
    command = check_command(inputs("build-container", config_of(container=container)))
    assert command.argv == (
        "podman",
        "build",
        "--isolation=chroot",
        "--squash",
        "--label",
        "a=b",
        "--build-arg",
        "A=1",
        "--build-arg",
        "B=two words",
        "--network=host",
        "-f",
        f"{WT}/images/Containerfile",
        f"{WT}/images/app",
        "-t",
        "quay.io/acme/widget:pr-7",
    )
    assert command.title == "Build container"


def test_build_argv_for_other_builds_adds_comment_args_annotations_and_no_cache(tmp_path: Path) -> None:
    container = ContainerConfig(username="u", password="p", repository="ghcr.io/acme/widget")
    argv = build_argv(
        container,
        tmp_path,
        "ghcr.io/acme/widget:latest",
        extra_args=["--build-arg", "X=1"],
        annotations={"k": "v"},
        no_cache=True,
    )
    assert argv == (
        "podman",
        "build",
        "--build-arg",
        "X=1",
        "--annotation",
        "k=v",
        "--network=host",
        "--no-cache",
        "-f",
        f"{tmp_path}/Dockerfile",
        str(tmp_path.resolve()),
        "-t",
        "ghcr.io/acme/widget:latest",
    )


@pytest.mark.parametrize(
    ("context", "inside"),
    [
        ("", True),
        ("sub/dir", True),
        ("sub/../other", True),
        ("..", False),
        ("../sibling", False),
        ("sub/../../x", False),
    ],
    ids=["root", "sub-directory", "normalised-inside", "parent", "sibling", "escapes-after-normalising"],
)
def test_build_context_must_stay_inside_the_worktree(tmp_path: Path, context: str, inside: bool) -> None:
    if inside:
        assert build_context(tmp_path, context) == (tmp_path / context).resolve()
    else:
        with pytest.raises(CheckNotRunnableError, match="outside the repository"):
            build_context(tmp_path, context)


def test_build_context_through_a_symlink_out_of_the_worktree_is_refused(tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    worktree.mkdir()
    (worktree / "escape").symlink_to(tmp_path)
    with pytest.raises(CheckNotRunnableError):
        build_context(worktree, "escape")


CREATED = datetime(2024, 5, 1, 12, 30, 0, tzinfo=UTC)
PREFIX = "org.opencontainers.image."


@pytest.mark.parametrize(
    ("annotations", "version", "expected"),
    [
        (OciAnnotations(enabled=False), None, {}),
        (
            OciAnnotations(enabled=True),
            None,
            {
                f"{PREFIX}created": "2024-05-01T12:30:00Z",
                f"{PREFIX}source": "https://github.com/acme/widget",
                f"{PREFIX}revision": "a" * 40,
                f"{PREFIX}title": "widget",
            },
        ),
        (
            OciAnnotations(enabled=True, auto_created=False, auto_source=False, auto_title=False),
            "v1.2.3",
            {f"{PREFIX}revision": "a" * 40, f"{PREFIX}version": "v1.2.3"},
        ),
        (
            OciAnnotations(enabled=True, static={f"{PREFIX}title": "Custom", "team": "x"}, auto_created=False),
            None,
            {
                f"{PREFIX}source": "https://github.com/acme/widget",
                f"{PREFIX}revision": "a" * 40,
                f"{PREFIX}title": "Custom",
                "team": "x",
            },
        ),
    ],
    ids=["disabled", "automatic", "toggles-and-version", "static-overrides"],
)
def test_oci_annotations(annotations: OciAnnotations, version: str | None, expected: dict[str, str]) -> None:
    container = ContainerConfig(username="u", password="p", repository="r", oci_annotations=annotations)
    result = oci_annotations(
        container,
        web_base_url="https://github.com/",
        full_name="acme/widget",
        revision="a" * 40,
        version=version,
        created=CREATED,
    )
    assert result == expected


@pytest.mark.parametrize(
    ("result", "conclusion", "summary"),
    [
        (CommandResult(("x",), 0, "out", "", 133.5), "success", "Exit code 0 after 2m13s"),
        (CommandResult(("x",), 2, "out", "err", 5.0), "failure", "Exit code 2 after 5s"),
        (CommandResult(("x",), None, "so far", "", 60.0, timed_out=True), "timed_out", "Timed out after 1 minutes"),
    ],
    ids=["success", "failure", "timed-out"],
)
def test_command_results(result: CommandResult, conclusion: str, summary: str) -> None:
    check = command_result("Tox", result, 1, ())
    assert (check.conclusion.value, check.output.title, check.output.summary) == (conclusion, "Tox", summary)
    assert check.output.text == f"```\n{result.stderr}\n\n{result.stdout}\n```"


def test_huge_output_is_truncated_and_logged_in_full(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="webhook_server.libs.checks.outcome")
    huge = "line\n" * 20000
    check = command_result("Tox", CommandResult(("x",), 1, huge, "", 1.0), 30, ())
    assert len(check.output.text) <= 65534
    assert "[truncated" in check.output.text
    assert "full masked output" in caplog.text


def test_preparation_failure_shows_gits_output_masked() -> None:
    check = preparation_failure("Tox", "fatal: could not read from ghp_secret_value_1", ["ghp_secret_value_1"])
    assert (check.conclusion.value, check.output.summary) == ("failure", "Failed to prepare worktree")
    assert check.output.text == "```\nfatal: could not read from *****\n\n\n```"
