"""Run one AI provider CLI (`claude`, `gemini` or Cursor's `agent`) as a subprocess (`oracle-and-ai.md` §3.1, §3.4).

The prompt goes on stdin and the answer is read from stdout. The CLI runs in its own process group with the
constructed subprocess environment, the server's `HOME`, and only its own provider's credential variables
(plus `check-environment-passthrough`), under the feature's `timeout-minutes`. Every failure becomes an
`AiAnswer` with an error (logged at ERROR, masked): callers go on without a suggestion, never raise.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from webhook_server.libs.process.runner import (
    BoundedCapture,
    CommandResult,
    command_environment,
    cut_for_log,
    run_command,
)
from webhook_server.utils.masking import mask_secret_values

LOGGER = logging.getLogger(__name__)

SECONDS_PER_MINUTE = 60.0  # tests shrink it to exercise the timeout
KILL_GRACE_SECONDS = 10.0
ANSWER_KEEP_BYTES = 64 * 1024  # stdout kept: the first and last 64 KiB
ANSWER_LOG_CHARS = 2000

EXECUTABLES = {"claude": "claude", "gemini": "gemini", "cursor": "agent"}
_CLAUDE_CREDENTIALS = (
    "ANTHROPIC_API_KEY",
    "CLAUDE_CODE_USE_VERTEX",
    "ANTHROPIC_VERTEX_PROJECT_ID",
    "CLOUD_ML_REGION",
    "GOOGLE_APPLICATION_CREDENTIALS",
)
_GEMINI_CREDENTIALS = (
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "GOOGLE_APPLICATION_CREDENTIALS",
)
PROVIDER_CREDENTIALS: dict[str, tuple[str, ...]] = {
    "claude": _CLAUDE_CREDENTIALS,
    "gemini": _GEMINI_CREDENTIALS,
    "cursor": ("CURSOR_API_KEY",),
}


@dataclass(frozen=True)
class AiRequest:
    """One AI call: which provider and model, where, what to ask, and for how long at most."""

    provider: str
    model: str
    worktree: Path
    prompt: str
    timeout_minutes: int
    system_prompt: str | None = None

    @property
    def stdin_text(self) -> str:
        """The system prompt (when there is one), a blank line, then the task prompt."""
        if self.system_prompt:
            return f"{self.system_prompt}\n\n{self.prompt}"
        return self.prompt


@dataclass(frozen=True)
class AiAnswer:
    """The stripped stdout of a successful call, or why the call failed."""

    text: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class AiInvocation:
    """The argument vector and working directory of a provider's CLI (`oracle-and-ai.md` §3.1)."""

    argv: tuple[str, ...]
    cwd: Path


class AiCallError(RuntimeError):
    """The CLI could not be started: an unknown provider (the schema prevents it) or a missing executable."""


def invocation(provider: str, model: str, worktree: Path) -> AiInvocation:
    """The CLI call of `provider`: `claude` and `gemini` run in the worktree; `agent` is given it by flag."""
    if provider == "claude":
        return AiInvocation(("claude", "--model", model, "--dangerously-skip-permissions", "-p"), worktree)
    if provider == "gemini":
        return AiInvocation(("gemini", "--model", model, "--yolo"), worktree)
    if provider == "cursor":
        argv = ("agent", "--force", "--model", model, "--print", "--workspace", str(worktree))
        return AiInvocation(argv, Path.cwd())  # "not set": the server's own working directory
    raise AiCallError(f"Unknown AI provider: {provider}")


def ai_environment(provider: str, data_dir: Path, tmp_dir: Path, passthrough: Sequence[str]) -> dict[str, str]:
    """The constructed environment with the server's `HOME` and only `provider`'s credential variables."""
    extra = {"HOME": os.environ["HOME"]} if "HOME" in os.environ else {}
    names = (*PROVIDER_CREDENTIALS[provider], *passthrough)
    return command_environment(data_dir, tmp_dir, passthrough=names, extra=extra)


def _failure(message: str, request: AiRequest) -> AiAnswer:
    message = _for_log(message)
    LOGGER.error("AI CLI call (%s/%s) failed: %s", request.provider, request.model, message)
    return AiAnswer(error=message)


async def run_ai_cli(request: AiRequest, *, data_dir: Path, passthrough: Sequence[str] = ()) -> AiAnswer:
    """Run the provider's CLI once with the prompt on stdin; never raises for a failed call."""
    try:
        result, output = await _execute(request, data_dir, passthrough)
    except AiCallError as error:
        return _failure(str(error), request)
    reason = _result_error(result, output, request.timeout_minutes)
    if reason is not None:
        return _failure(reason, request)
    LOGGER.debug("AI CLI answer (%s/%s): %s", request.provider, request.model, _for_log(output))
    return AiAnswer(text=output)


async def _execute(request: AiRequest, data_dir: Path, passthrough: Sequence[str]) -> tuple[CommandResult, str]:
    """Run the CLI; returns its result and its stripped stdout (kept within `ANSWER_KEEP_BYTES` twice)."""
    call = invocation(request.provider, request.model, request.worktree)
    not_found = AiCallError(f"AI CLI binary '{call.argv[0]}' not found")
    if shutil.which(call.argv[0], path=os.environ.get("PATH", os.defpath)) is None:
        raise not_found
    stdout = BoundedCapture(keep=ANSWER_KEEP_BYTES)
    with tempfile.TemporaryDirectory(prefix="ai-") as tmp:
        try:
            result = await run_command(
                call.argv,
                cwd=call.cwd,
                env=ai_environment(request.provider, data_dir, Path(tmp), passthrough),
                timeout_seconds=request.timeout_minutes * SECONDS_PER_MINUTE,
                stdin=request.stdin_text.encode(),
                kill_grace_seconds=KILL_GRACE_SECONDS,
                stdout_sink=stdout.feed,
            )
        except FileNotFoundError as error:  # removed between the lookup and the start
            raise not_found from error
    return result, stdout.text().strip()


def _result_error(result: CommandResult, output: str, timeout_minutes: int) -> str | None:
    """Why a finished call gave no answer (`oracle-and-ai.md` §3.1), or None for a usable answer."""
    if result.timed_out:
        return f"AI CLI timed out after {timeout_minutes} minutes"
    if result.exit_code != 0:
        return result.stderr.strip() or output or "Unknown error"
    if not output:
        return "AI CLI returned empty response"
    return None


def _for_log(text: str) -> str:
    return cut_for_log(mask_secret_values(text), ANSWER_LOG_CHARS)
