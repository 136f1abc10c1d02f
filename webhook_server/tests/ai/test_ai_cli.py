"""The AI CLI wrapper against the stub CLI as a real subprocess: argument vectors, stdin, working directory,
the environment (only the provider's credentials), and the result table of `oracle-and-ai.md` §3.1."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from webhook_server.libs.process import ai_cli
from webhook_server.libs.process.ai_cli import AiAnswer, AiRequest, run_ai_cli
from webhook_server.tests.ai.stub_cli import StubFiles
from webhook_server.utils.masking import SECRETS

ALL_CREDENTIALS = {
    "ANTHROPIC_API_KEY": "sk-ant-test",
    "CLAUDE_CODE_USE_VERTEX": "1",
    "GEMINI_API_KEY": "gemini-test",
    "GOOGLE_API_KEY": "google-test",
    "GOOGLE_APPLICATION_CREDENTIALS": "/creds.json",
    "CURSOR_API_KEY": "cursor-test",
}
SERVER_ONLY = {"GITHUB_TOKEN": "ghp_never", "WEBHOOK_SECRET": "never", "PYPI_TOKEN": "pypi-never"}


def _request(worktree: Path, provider: str = "claude", **changes: object) -> AiRequest:
    fields: dict[str, object] = {
        "provider": provider,
        "model": "model-x",
        "worktree": worktree,
        "prompt": "do the task",
        "timeout_minutes": 10,
    }
    fields.update(changes)
    return AiRequest(**fields)  # type: ignore[arg-type]


async def _run(tmp_path: Path, request: AiRequest, passthrough: tuple[str, ...] = ()) -> AiAnswer:
    return await run_ai_cli(request, data_dir=tmp_path / "data", passthrough=passthrough)


CallShape = tuple[str, str, list[str], bool]  # provider, program, arguments, runs in the worktree


@pytest.mark.parametrize(
    "shape",
    [
        ("claude", "claude", ["--model", "model-x", "--dangerously-skip-permissions", "-p"], True),
        ("gemini", "gemini", ["--model", "model-x", "--yolo"], True),
        ("cursor", "agent", ["--force", "--model", "model-x", "--print", "--workspace", "{worktree}"], False),
    ],
    ids=["claude", "gemini", "cursor-agent"],
)
async def test_argument_vector_and_working_directory(ai_stub: StubFiles, tmp_path: Path, shape: CallShape) -> None:
    provider, program, argv, cwd_is_worktree = shape
    worktree = tmp_path / "wt"
    worktree.mkdir()
    ai_stub.answer(stdout="  answer text \n")

    answer = await _run(tmp_path, _request(worktree, provider))

    assert answer == AiAnswer(text="answer text")
    (call,) = ai_stub.calls()
    assert call["program"] == program
    assert call["argv"] == [item.format(worktree=worktree) for item in argv]
    assert call["stdin"] == "do the task"
    assert (call["cwd"] == str(worktree)) is cwd_is_worktree


async def test_system_prompt_comes_first_separated_by_a_blank_line(ai_stub: StubFiles, tmp_path: Path) -> None:
    ai_stub.answer(stdout="ok")
    await _run(tmp_path, _request(tmp_path, system_prompt="be careful"))
    assert ai_stub.calls()[0]["stdin"] == "be careful\n\ndo the task"


@pytest.mark.parametrize(
    ("provider", "given"),
    [
        ("claude", {"ANTHROPIC_API_KEY", "CLAUDE_CODE_USE_VERTEX", "GOOGLE_APPLICATION_CREDENTIALS"}),
        ("gemini", {"GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS"}),
        ("cursor", {"CURSOR_API_KEY"}),
    ],
    ids=["claude", "gemini", "cursor"],
)
async def test_environment_carries_only_the_providers_credentials(
    ai_stub: StubFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider: str, given: set[str]
) -> None:
    for name, value in {**ALL_CREDENTIALS, **SERVER_ONLY, "MY_TOOL_SETTING": "on"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path / "server-home"))
    ai_stub.answer(stdout="ok")

    await _run(tmp_path, _request(tmp_path, provider), passthrough=("MY_TOOL_SETTING",))

    env = ai_stub.calls()[0]["env"]
    assert {name for name in ALL_CREDENTIALS if name in env} == given
    assert all(env[name] == ALL_CREDENTIALS[name] for name in given)
    assert not set(SERVER_ONLY) & set(env)
    assert env["MY_TOOL_SETTING"] == "on"
    assert env["HOME"] == str(tmp_path / "server-home")  # CLI logins stored in the server's HOME keep working
    assert (env["CI"], env["LANG"], env["TZ"]) == ("true", "C.UTF-8", "UTC")


@pytest.mark.parametrize(
    ("scenario", "error"),
    [
        ({"stdout": "  \n\n"}, "AI CLI returned empty response"),
        ({"stdout": "out", "stderr": "boom\n", "exit_code": 3}, "boom"),
        ({"stdout": "only stdout\n", "exit_code": 1}, "only stdout"),
        ({"exit_code": 1}, "Unknown error"),
    ],
    ids=["empty-stdout", "non-zero-stderr", "non-zero-stdout", "non-zero-silent"],
)
async def test_failures_become_error_answers(
    ai_stub: StubFiles, tmp_path: Path, scenario: dict[str, object], error: str, caplog: pytest.LogCaptureFixture
) -> None:
    ai_stub.answer(**scenario)
    with caplog.at_level(logging.ERROR, logger=ai_cli.__name__):
        answer = await _run(tmp_path, _request(tmp_path))
    assert answer == AiAnswer(error=error)
    assert error in caplog.text


async def test_timeout_kills_the_cli_and_reports_the_minutes(
    ai_stub: StubFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ai_cli, "SECONDS_PER_MINUTE", 0.5)
    monkeypatch.setattr(ai_cli, "KILL_GRACE_SECONDS", 1.0)
    ai_stub.answer(sleep=60, stdout="too late")

    answer = await _run(tmp_path, _request(tmp_path, timeout_minutes=2))

    assert answer == AiAnswer(error="AI CLI timed out after 2 minutes")


async def test_missing_executable(tmp_path: Path) -> None:
    assert shutil.which("gemini") is None
    answer = await _run(tmp_path, _request(tmp_path, "gemini"))
    assert answer == AiAnswer(error="AI CLI binary 'gemini' not found")


async def test_unknown_provider(tmp_path: Path) -> None:
    answer = await _run(tmp_path, _request(tmp_path, "llama"))
    assert answer == AiAnswer(error="Unknown AI provider: llama")


async def test_answer_is_bounded(ai_stub: StubFiles, tmp_path: Path) -> None:
    ai_stub.answer(stdout="a" * (ai_cli.ANSWER_KEEP_BYTES * 4))
    answer = await _run(tmp_path, _request(tmp_path))
    assert answer.text is not None
    assert len(answer.text) < ai_cli.ANSWER_KEEP_BYTES * 2 + 100
    assert "[dropped" in answer.text


async def test_secrets_are_masked_in_the_logged_answer(
    ai_stub: StubFiles, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    SECRETS.add("s3cr3t-value-123")
    ai_stub.answer(stdout="here is s3cr3t-value-123")
    with caplog.at_level(logging.DEBUG, logger=ai_cli.__name__):
        answer = await _run(tmp_path, _request(tmp_path))
    assert answer.text == "here is s3cr3t-value-123"
    assert "s3cr3t-value-123" not in caplog.text
    assert "here is" in caplog.text
