"""A check's text is ANSI-stripped and masked before it is truncated, so no secret survives a cut."""

from webhook_server.libs.checks.outcome import command_result
from webhook_server.libs.process.runner import CommandResult
from webhook_server.libs.rules.check_output import MAX_CHECK_TEXT_LENGTH


def _result(stdout: str, stderr: str = "") -> CommandResult:
    return CommandResult(argv=("tox",), exit_code=1, stdout=stdout, stderr=stderr, duration_seconds=3.0)


def test_masking_happens_before_truncation() -> None:
    secret = "s3cr3t-value"
    stdout = ("x" * 100 + secret) * 1000
    text = command_result("tox", _result(stdout), 30, [secret]).output.text
    assert text is not None
    assert "... [truncated " in text
    assert "s3cr3t" not in text
    assert len(text) <= MAX_CHECK_TEXT_LENGTH


def test_ansi_and_hyperlinks_are_stripped_from_both_streams() -> None:
    stdout = "\x1b[32mok\x1b[0m see \x1b]8;;https://example.com/t0ken-value\x07docs\x1b]8;;\x07"
    text = command_result("tox", _result(stdout, "\x1b[31mboom t0ken-value\x1b[0m"), 30, ["t0ken-value"]).output.text
    assert text == "```\nboom *****\n\nok see docs\n```"
