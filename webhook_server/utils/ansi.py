"""The one ANSI stripper: removes terminal control sequences from text that leaves the process (log
files, JSONL records, check-run output, issue and comment bodies).

CSI sequences (colours, cursor moves), OSC sequences (window titles, `ESC ] 8 ;; url BEL` hyperlinks)
ended by BEL or ST, and two-character escapes all go. It lives in utils, the ground floor, so the log
writer and every package above can use it; `libs.rules` imports nothing of the project, so its check
output formatter receives text already stripped and masked by its caller (`libs.checks.outcome`).
"""

import re

_ANSI_ESCAPE = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC ... BEL / ST
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI sequences (colours, cursor moves)
    r"|\x1b[@-Z\\-_]"  # two-character escapes
)


def strip_ansi(text: str) -> str:
    """Remove ANSI escape sequences (CSI, OSC, two-character escapes)."""
    return _ANSI_ESCAPE.sub("", text)
