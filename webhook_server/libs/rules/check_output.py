"""Check-run output text: fencing and truncation (`checks.md` §5).

The caller strips ANSI and masks secrets first (`utils.ansi`, `utils.masking`: rules import nothing of the
project), so truncation only ever sees clean text."""

from dataclasses import dataclass

MAX_CHECK_TEXT_LENGTH = 65534
_FENCE_OPEN = "```\n"
_STREAM_SEPARATOR = "\n\n"
_FENCE_CLOSE = "\n```"
_FRAME_LENGTH = len(_FENCE_OPEN) + len(_STREAM_SEPARATOR) + len(_FENCE_CLOSE)
# Room always kept for stdout, so a huge stderr still leaves a visible truncation marker for stdout.
_STDOUT_RESERVE = 64


@dataclass(frozen=True)
class FormattedOutput:
    """The check-run `text` and the full masked text (logged at DEBUG when `truncated`)."""

    text: str
    full_text: str
    truncated: bool


def cut_middle(text: str, max_length: int) -> str:
    """Keep the head and tail of `text` around a `... [truncated <n> characters] ...` line.

    The result is at most `max_length` characters whenever `max_length` leaves room for the marker line.
    """
    if len(text) <= max_length:
        return text
    widest_marker = _truncation_marker(len(text))
    kept = max(max_length - len(widest_marker), 0)
    marker = _truncation_marker(len(text) - kept)
    head_length = kept // 2
    tail = text[len(text) - (kept - head_length) :] if kept > head_length else ""
    return text[:head_length] + marker + tail


def _truncation_marker(dropped: int) -> str:
    return f"\n... [truncated {dropped} characters] ...\n"


def format_check_text(clean_stdout: str, clean_stderr: str, max_length: int = MAX_CHECK_TEXT_LENGTH) -> FormattedOutput:
    """Build the fenced `text` (stderr, blank line, stdout) from stripped, masked streams, then truncate.

    Stderr is kept whole when it fits; otherwise it is cut too, always leaving a little room for stdout.
    """
    full_text = _fence(clean_stderr, clean_stdout)
    if len(full_text) <= max_length:
        return FormattedOutput(text=full_text, full_text=full_text, truncated=False)
    available = max_length - _FRAME_LENGTH
    stdout_room = max(available - len(clean_stderr), min(len(clean_stdout), _STDOUT_RESERVE))
    cut_stdout = cut_middle(clean_stdout, stdout_room)
    cut_stderr = cut_middle(clean_stderr, available - len(cut_stdout))
    return FormattedOutput(text=_fence(cut_stderr, cut_stdout), full_text=full_text, truncated=True)


def _fence(stderr: str, stdout: str) -> str:
    return f"{_FENCE_OPEN}{stderr}{_STREAM_SEPARATOR}{stdout}{_FENCE_CLOSE}"


def format_duration(seconds: float) -> str:
    """Render a duration as `45s`, `2m13s` or `1h02m03s` (whole seconds, rounded down)."""
    total = max(int(seconds), 0)
    hours, remainder = divmod(total, 3600)
    minutes, secs = divmod(remainder, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def exit_code_summary(exit_code: int, seconds: float) -> str:
    """Summary of a finished command check, for example `Exit code 1 after 2m13s`."""
    return f"Exit code {exit_code} after {format_duration(seconds)}"


def timed_out_summary(timeout_minutes: int) -> str:
    """Summary of a check that exceeded its timeout (`checks.md` §6.1)."""
    return f"Timed out after {timeout_minutes} minutes"


def superseded_summary(new_head_sha: str) -> str:
    """Summary of a check cancelled by a push (`checks.md` §6.2), with the 7-character SHA."""
    return f"Cancelled: superseded by {new_head_sha[:7]}"


PR_CLOSED_SUMMARY = "Cancelled: pull request closed"
WORKTREE_FAILURE_SUMMARY = "Failed to prepare worktree"
