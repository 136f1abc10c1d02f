"""Colour values for labels: CSS3 names or hex strings to 6-digit hex, and case-insensitive comparison."""

import re

import webcolors

FALLBACK_CSS_COLOR = "lightgray"
_HEX_COLOR = re.compile(r"^#?([0-9a-fA-F]{6})$")


def color_to_hex(value: str) -> str:
    """Return the 6-digit hex (no `#`, lower case) for a CSS3 colour name or a hex value.

    The spec names CSS3 colour names; a 6-digit hex value (with or without `#`) is also accepted because
    organisations commonly copy GitHub's own hex codes. Anything else falls back to `lightgray` (`d3d3d3`).
    """
    candidate = value.strip()
    hex_match = _HEX_COLOR.match(candidate)
    if hex_match:
        return hex_match.group(1).lower()
    try:
        named: str = webcolors.name_to_hex(candidate.lower())
    except ValueError:
        named = webcolors.name_to_hex(FALLBACK_CSS_COLOR)
    return named.removeprefix("#").lower()


def same_color(first: str, second: str) -> bool:
    """Whether two hex colours are equal, ignoring case and a leading `#`."""
    return first.removeprefix("#").lower() == second.removeprefix("#").lower()
