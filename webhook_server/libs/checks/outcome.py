"""From what happened to a check's result: conclusion, title, summary and text (`checks.md` §2, §3, §5, §6)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from webhook_server.libs.process.runner import CommandResult
from webhook_server.libs.rules.check_output import (
    WORKTREE_FAILURE_SUMMARY,
    exit_code_summary,
    format_check_text,
    timed_out_summary,
)
from webhook_server.libs.rules.checks import CheckConclusion, CheckOutput, CheckResult
from webhook_server.utils.ansi import strip_ansi
from webhook_server.utils.masking import mask_secret_values

LOGGER = logging.getLogger(__name__)

QUEUED_SUMMARY = "Queued"
IN_PROGRESS_SUMMARY = "Running"
NOT_RUNNABLE_SUMMARY = "Check cannot run"
UNEXPECTED_ERROR_SUMMARY = "Unexpected error"
SANDBOX_REFUSED_SUMMARY = "Refused: the sandbox for pull-request code is unavailable"


def queued_output(title: str) -> CheckOutput:
    """Output of a run waiting for a job slot."""
    return CheckOutput(title=title, summary=QUEUED_SUMMARY)


def in_progress_output(title: str) -> CheckOutput:
    """Output of a run whose job started."""
    return CheckOutput(title=title, summary=IN_PROGRESS_SUMMARY)


def _clean(stream: str, secrets: Sequence[str]) -> str:
    """ANSI stripped, then every secret of the check masked (before any truncation can split one)."""
    return mask_secret_values(strip_ansi(stream), secrets)


def _text(stdout: str, stderr: str, secrets: Sequence[str]) -> str:
    formatted = format_check_text(_clean(stdout, secrets), _clean(stderr, secrets))
    if formatted.truncated:
        LOGGER.debug("Check output truncated for GitHub; full masked output:\n%s", formatted.full_text)
    return formatted.text


def command_result(title: str, result: CommandResult, timeout_minutes: int, secrets: Sequence[str]) -> CheckResult:
    """Exit code 0 → `success`; other exit codes → `failure`; over the timeout → `timed_out`."""
    text = _text(result.stdout, result.stderr, secrets)
    if result.timed_out:
        return CheckResult(CheckConclusion.TIMED_OUT, CheckOutput(title, timed_out_summary(timeout_minutes), text))
    assert result.exit_code is not None  # only a timed-out command has no exit code
    summary = exit_code_summary(result.exit_code, result.duration_seconds)
    conclusion = CheckConclusion.SUCCESS if result.exit_code == 0 else CheckConclusion.FAILURE
    return CheckResult(conclusion, CheckOutput(title, summary, text))


def preparation_failure(title: str, git_output: str, secrets: Sequence[str]) -> CheckResult:
    """Fetch, checkout or merge failed: `failure`, `Failed to prepare worktree`, git's output as text."""
    return CheckResult(
        CheckConclusion.FAILURE, CheckOutput(title, WORKTREE_FAILURE_SUMMARY, _text("", git_output, secrets))
    )


def not_runnable(title: str, reason: str) -> CheckResult:
    """The configuration does not allow the check to run."""
    return CheckResult(CheckConclusion.FAILURE, CheckOutput(title, NOT_RUNNABLE_SUMMARY, reason))


def cancelled(title: str, summary: str) -> CheckResult:
    """A superseded or closed-PR run."""
    return CheckResult(CheckConclusion.CANCELLED, CheckOutput(title, summary))


def unexpected_error(title: str, error: Exception) -> CheckResult:
    """Anything else that went wrong while running the check: `failure` with the error's text."""
    return CheckResult(
        CheckConclusion.FAILURE, CheckOutput(title, UNEXPECTED_ERROR_SUMMARY, f"{type(error).__name__}: {error}")
    )


def sandbox_refused(title: str, reason: str) -> CheckResult:
    """PR code was not run: bubblewrap cannot start here and running without it was not allowed."""
    text = (
        f"The server runs pull-request code only inside its bubblewrap sandbox, which cannot start: {reason}\n\n"
        "The operator can install bubblewrap (Debian package `bubblewrap`), enable user namespaces, or set "
        "`sandbox.bwrap-path`; `unsafe-run-checks-without-sandbox: true` runs checks without isolation."
    )
    return CheckResult(CheckConclusion.FAILURE, CheckOutput(title, SANDBOX_REFUSED_SUMMARY, text))
