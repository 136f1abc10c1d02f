"""The one ANSI stripper: CSI and OSC sequences (hyperlinks, titles) and two-character escapes go."""

import pytest

from webhook_server.utils.ansi import strip_ansi


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[1;32mbold green\x1b[m done", "bold green done"),
        ("\x1b[31mERROR\x1b[0m and \x1b[38;2;1;2;3mrepo\x1b[0m", "ERROR and repo"),
        ("\x1b[?25lhidden cursor\x1b[?25h", "hidden cursor"),
        ("\x1b]0;title\x07text", "text"),
        ("see \x1b]8;;https://example.com\x07the docs\x1b]8;;\x07 now", "see the docs now"),
        ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("a\x1bMb", "ab"),
        ("plain [brackets] stay", "plain [brackets] stay"),
    ],
    ids=[
        "sgr",
        "multi-param",
        "truecolor",
        "private-mode",
        "osc-title-bel",
        "osc-hyperlink-bel",
        "osc-st",
        "two-char",
        "plain",
    ],
)
def test_strip_ansi(raw: str, expected: str) -> None:
    assert strip_ansi(raw) == expected
