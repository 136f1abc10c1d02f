"""Check output: fencing, head/tail truncation within the limit (the caller strips and masks first)."""

import pytest

from webhook_server.libs.rules.check_output import (
    MAX_CHECK_TEXT_LENGTH,
    PR_CLOSED_SUMMARY,
    cut_middle,
    exit_code_summary,
    format_check_text,
    format_duration,
    superseded_summary,
    timed_out_summary,
)


def test_small_output_is_fenced_stderr_then_stdout() -> None:
    result = format_check_text("out", "err")
    assert result.text == "```\nerr\n\nout\n```"
    assert not result.truncated


@pytest.mark.parametrize(
    ("stdout_len", "stderr_len"),
    [(200_000, 0), (200_000, 10), (10, 200_000), (200_000, 200_000), (70_000, 65_000), (65_520, 10)],
    ids=["huge-stdout", "huge-stdout-small-stderr", "huge-stderr", "both-huge", "stderr-nearly-fills", "just-over"],
)
def test_truncated_text_fits_github_limit(stdout_len: int, stderr_len: int) -> None:
    stdout = "".join(chr(ord("a") + i % 26) for i in range(stdout_len))
    stderr = "E" * stderr_len
    result = format_check_text(stdout, stderr)
    assert result.truncated
    assert len(result.text) <= MAX_CHECK_TEXT_LENGTH
    assert "truncated" in result.text
    assert result.text.startswith("```\n")
    assert result.text.endswith("\n```")


def test_stderr_kept_whole_and_stdout_head_and_tail_kept() -> None:
    stdout = "HEAD-MARK" + "o" * 100_000 + "TAIL-MARK"
    stderr = "the real error"
    result = format_check_text(stdout, stderr)
    assert result.text.startswith("```\nthe real error\n\nHEAD-MARK")
    assert result.text.endswith("TAIL-MARK\n```")
    assert "... [truncated " in result.text


@pytest.mark.parametrize(
    ("length", "limit"),
    [(100, 100), (101, 100), (10_000, 100), (10_000, 9_999), (1_000_000, 64)],
    ids=["fits", "one-over", "much-over", "barely-over", "tiny-limit"],
)
def test_cut_middle_respects_limit(length: int, limit: int) -> None:
    text = "z" * length
    cut = cut_middle(text, limit)
    assert len(cut) <= limit
    if length <= limit:
        assert cut == text
    else:
        dropped = int(cut.split("[truncated ")[1].split(" ")[0])
        marker = f"\n... [truncated {dropped} characters] ...\n"
        assert marker in cut
        assert len(cut) - len(marker) + dropped == length


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "0s"), (45.9, "45s"), (133, "2m13s"), (125, "2m05s"), (3723, "1h02m03s"), (-3, "0s")],
    ids=["zero", "seconds", "minutes", "padded", "hours", "negative"],
)
def test_format_duration(seconds: float, expected: str) -> None:
    assert format_duration(seconds) == expected


def test_summaries() -> None:
    assert exit_code_summary(1, 133) == "Exit code 1 after 2m13s"
    assert timed_out_summary(30) == "Timed out after 30 minutes"
    assert superseded_summary("0123456789abcdef") == "Cancelled: superseded by 0123456"
    assert PR_CLOSED_SUMMARY == "Cancelled: pull request closed"
