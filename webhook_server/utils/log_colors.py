"""Console colours: a fixed colour per repository (``{data_dir}/log-colors.json``) and per level.

Colours are CSS colour names rendered as 24-bit ANSI codes. Blue, white, black and grey are never
picked. The colour file is rewritten only when a repository is first seen (or its stored colour is
not a known CSS name, e.g. one written by the reference implementation).
"""

from __future__ import annotations

import json
import os
import threading
import zlib
from pathlib import Path

import webcolors

from webhook_server.utils.private_files import write_private_text

REPOSITORY_PALETTE: tuple[str, ...] = (
    "red",
    "green",
    "orange",
    "magenta",
    "cyan",
    "gold",
    "lime",
    "orchid",
    "salmon",
    "turquoise",
    "violet",
    "yellow",
    "coral",
    "springgreen",
    "hotpink",
    "tomato",
    "khaki",
    "plum",
    "chartreuse",
    "deeppink",
)
_EXCLUDED = frozenset({"blue", "white", "black", "grey", "gray"})
_LEVEL_CODES = {
    "DEBUG": "36",
    "INFO": "32",
    "WARNING": "33",
    "ERROR": "31",
    "CRITICAL": "1;31",
}
_RESET = "\x1b[0m"


def colorize_level(level: str) -> str:
    """The level name in its standard console colour."""
    code = _LEVEL_CODES.get(level)
    return f"\x1b[{code}m{level}{_RESET}" if code else level


def _is_css_color(name: str) -> bool:
    try:
        webcolors.name_to_rgb(name)
    except ValueError:
        return False
    return True


def colorize(text: str, color_name: str) -> str:
    """``text`` in the CSS colour ``color_name`` (24-bit ANSI)."""
    rgb = webcolors.name_to_rgb(color_name)
    return f"\x1b[38;2;{rgb.red};{rgb.green};{rgb.blue}m{text}{_RESET}"


def _load_color_map(path: Path) -> dict[str, str]:
    """The stored map, or an empty one when the file is missing or not a JSON object of strings."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {str(key): value for key, value in loaded.items() if isinstance(value, str)}


class RepositoryColors:
    """Assigns and remembers one console colour per repository name (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._colors = _load_color_map(path)

    def color_for(self, repository: str) -> str:
        """The repository's colour; a new repository gets the least-used palette colour and is saved."""
        with self._lock:
            color = self._colors.get(repository)
            if color is not None and _is_css_color(color) and color.casefold() not in _EXCLUDED:
                return color
            color = self._pick(repository)
            self._colors[repository] = color
            self._save()
            return color

    def colorize_repository(self, repository: str) -> str:
        """The repository name in its colour."""
        return colorize(repository, self.color_for(repository))

    def _pick(self, repository: str) -> str:
        usage = dict.fromkeys(REPOSITORY_PALETTE, 0)
        for used in self._colors.values():
            if used in usage:
                usage[used] += 1
        offset = zlib.crc32(repository.encode("utf-8")) % len(REPOSITORY_PALETTE)
        rotated = REPOSITORY_PALETTE[offset:] + REPOSITORY_PALETTE[:offset]
        return min(rotated, key=lambda name: usage[name])

    def _save(self) -> None:
        """Replace the colour file atomically (write a sibling, then rename)."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        staging = self._path.with_name(f".{self._path.name}.{os.getpid()}")
        write_private_text(staging, json.dumps(self._colors, indent=2, sort_keys=True))
        os.replace(staging, self._path)
