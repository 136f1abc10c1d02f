"""Files the server writes into its data dir are readable and writable by the server's user only (0600)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

LOGGER = logging.getLogger(__name__)

PRIVATE_FILE_MODE = 0o600


def create_private(path: Path) -> None:
    """Make sure `path` exists with mode 0600 (created empty when missing, tightened when it exists)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE))
    os.chmod(path, PRIVATE_FILE_MODE)


def write_private_text(path: Path, text: str) -> None:
    """Write `text` to `path` (replacing its content) with mode 0600, whatever the umask."""
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, PRIVATE_FILE_MODE)
    os.fchmod(descriptor, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def open_private_append(path: Path) -> int:
    """A descriptor appending to `path`, created with mode 0600 when missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, PRIVATE_FILE_MODE)


def tighten(path: Path) -> bool:
    """Drop group and other permissions of an existing file the operator placed (config, App key).

    Returns whether the mode changed. A read-only mount or a file of another owner is logged and left as is.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if not mode & 0o077:
            return False
        os.chmod(path, mode & 0o700)
    except FileNotFoundError:
        return False
    except OSError as error:
        LOGGER.warning("Could not make %s owner-only (mode %o): %s", path, mode, error.strerror)
        return False
    LOGGER.info("Made %s owner-only (was mode %o)", path, mode)
    return True
