"""Console colours per repository and level, and the ``log-colors.json`` file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from webhook_server.utils.log_colors import (
    REPOSITORY_PALETTE,
    RepositoryColors,
    colorize,
    colorize_level,
)

EXCLUDED = {"blue", "white", "black", "grey", "gray"}


def test_new_repository_gets_a_palette_colour_and_is_saved(tmp_path: Path) -> None:
    path = tmp_path / "log-colors.json"
    color = RepositoryColors(path).color_for("repo")
    assert color in REPOSITORY_PALETTE
    assert color not in EXCLUDED
    assert json.loads(path.read_text()) == {"repo": color}
    assert RepositoryColors(path).color_for("repo") == color


def test_file_is_written_only_for_new_repositories(tmp_path: Path) -> None:
    path = tmp_path / "log-colors.json"
    colors = RepositoryColors(path)
    colors.color_for("repo")
    path.unlink()
    colors.color_for("repo")
    assert not path.exists()
    colors.color_for("other")
    assert set(json.loads(path.read_text())) == {"repo", "other"}


def test_colours_are_spread_over_the_palette(tmp_path: Path) -> None:
    colors = RepositoryColors(tmp_path / "log-colors.json")
    chosen = {colors.color_for(f"repo-{number}") for number in range(len(REPOSITORY_PALETTE))}
    assert chosen == set(REPOSITORY_PALETTE)


@pytest.mark.parametrize(
    "stored",
    ["DeepPink4", "blue", 42],
    ids=["reference-xterm-name", "excluded-colour", "not-a-string"],
)
def test_unusable_stored_colour_is_replaced(tmp_path: Path, stored: object) -> None:
    path = tmp_path / "log-colors.json"
    path.write_text(json.dumps({"repo": stored, "kept": "orchid"}))
    color = RepositoryColors(path).color_for("repo")
    assert color in REPOSITORY_PALETTE
    assert json.loads(path.read_text()) == {"repo": color, "kept": "orchid"}


def test_known_css_colour_from_an_old_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "log-colors.json"
    path.write_text(json.dumps({"repo": "DarkOrange"}))
    assert RepositoryColors(path).color_for("repo") == "DarkOrange"


@pytest.mark.parametrize("content", ["not json", "[1, 2]"], ids=["invalid-json", "not-an-object"])
def test_corrupt_file_starts_fresh(tmp_path: Path, content: str) -> None:
    path = tmp_path / "log-colors.json"
    path.write_text(content)
    color = RepositoryColors(path).color_for("repo")
    assert json.loads(path.read_text()) == {"repo": color}


def test_colorize_uses_24_bit_codes(tmp_path: Path) -> None:
    assert colorize("repo", "red") == "\x1b[38;2;255;0;0mrepo\x1b[0m"
    colors = RepositoryColors(tmp_path / "log-colors.json")
    assert colors.colorize_repository("repo") == colorize("repo", colors.color_for("repo"))


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("DEBUG", "\x1b[36mDEBUG\x1b[0m"),
        ("INFO", "\x1b[32mINFO\x1b[0m"),
        ("WARNING", "\x1b[33mWARNING\x1b[0m"),
        ("ERROR", "\x1b[31mERROR\x1b[0m"),
        ("CRITICAL", "\x1b[1;31mCRITICAL\x1b[0m"),
        ("COMPLETED", "COMPLETED"),
    ],
    ids=["debug", "info", "warning", "error", "critical", "unknown-uncoloured"],
)
def test_colorize_level(level: str, expected: str) -> None:
    assert colorize_level(level) == expected
