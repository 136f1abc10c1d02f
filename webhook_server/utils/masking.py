"""Secret masking for everything a log record can carry (logging-and-viewer.md §3).

Two layers, applied in this order:

1. exact-value masking (always on): every known secret value is replaced with ``*****``,
   longest value first; values shorter than 4 characters are ignored (checks.md §5.2);
2. keyword masking (``mask-sensitive-data``): the value after ``keyword:`` / ``keyword=`` and
   after the credential flags ``-u``, ``-p``, ``--username``, ``--password`` and ``--creds``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "*****"
MIN_SECRET_LENGTH = 4

WORD_KEYWORDS: tuple[str, ...] = (
    "container_repository_password",
    "password",
    "secret",
    "token",
    "apikey",
    "api_key",
    "github_token",
    "pypi",
    "username",
    "login",
    "private_key",
    "private-key",
    "webhook_secret",
    "webhook-secret",
    "github-app-id",
    "slack-webhook-url",
    "slack_webhook_url",
    "webhook-url",
    "webhook_url",
)
FLAG_KEYWORDS: tuple[str, ...] = ("-u", "-p", "--username", "--password", "--creds")

_VALUE = r"(?![\[{])\S+"


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


# `keyword: value` / `keyword = value`; a keyword is a whole word (no letter or digit before it),
# an optional closing quote may sit between it and the separator (`"token": "abc"`).
_ASSIGNMENT = re.compile(
    rf"(?<![A-Za-z0-9])(?P<key>{_alternation(WORD_KEYWORDS)})(?P<sep>[\"']?\s*[:=]\s*)(?P<value>{_VALUE})",
    re.IGNORECASE,
)
# `-p value`, `--password=value`: a flag starts at a word boundary and is not part of a longer flag.
_FLAG = re.compile(
    rf"(?<![\w-])(?P<key>{_alternation(FLAG_KEYWORDS)})(?P<sep>\s+|\s*=\s*)(?P<value>{_VALUE})",
    re.IGNORECASE,
)


# Where a credential flag can start (same case rules as `_FLAG`): `--…`, `-u`, `-p`.
_FLAG_START = re.compile(r"--|-[up]", re.IGNORECASE)


def _mask_value(match: re.Match[str]) -> str:
    return f"{match['key']}{match['sep']}{MASK}"


def mask_keywords(text: str) -> str:
    """Replace the values that follow sensitive keywords and credential flags.

    Each pattern runs only where it can match: an assignment needs a `:` or `=`, a flag one of the starts
    `_FLAG_START` finds. Most strings of a log record (timestamps, ids, names) have neither, and the full
    patterns cost the event loop ~40% of masking a delivery summary."""
    if ":" in text or "=" in text:
        text = _ASSIGNMENT.sub(_mask_value, text)
    if _FLAG_START.search(text):
        text = _FLAG.sub(_mask_value, text)
    return text


class SecretRegistry:
    """A thread-safe set of secret values, masked wherever a record can go."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        """Register a secret; values shorter than 4 characters are ignored."""
        if len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value not in self._values:
                self._values.add(value)
                self._pattern = None

    def values(self) -> tuple[str, ...]:
        """All registered secrets, longest first."""
        with self._lock:
            return tuple(sorted(self._values, key=len, reverse=True))

    def pattern(self) -> re.Pattern[str] | None:
        """One compiled alternation of every secret (longest first), or None when empty."""
        with self._lock:
            if self._pattern is None and self._values:
                self._pattern = re.compile(_alternation(self._values))
            return self._pattern


SECRETS = SecretRegistry()


def mask_secret_values(text: str, secrets: Iterable[str] | None = None) -> str:
    """Replace every exact secret value with ``*****`` (the process registry unless given)."""
    if secrets is None:
        pattern = SECRETS.pattern()
    else:
        usable = [value for value in secrets if len(value) >= MIN_SECRET_LENGTH]
        pattern = re.compile(_alternation(usable)) if usable else None
    if pattern is None:
        return text
    return pattern.sub(MASK, text)


def mask_text(text: str, *, keyword_masking: bool, secrets: Iterable[str] | None = None) -> str:
    """Mask exact secret values, then (when enabled) keyword values (spec §3.1 + §3.2)."""
    masked = mask_secret_values(text, secrets)
    return mask_keywords(masked) if keyword_masking else masked


_SENSITIVE_KEYS = frozenset(word.casefold() for word in WORD_KEYWORDS)


def _is_sensitive_key(key: object) -> bool:
    return isinstance(key, str) and key.casefold() in _SENSITIVE_KEYS


def mask_structure(value: Any, *, keyword_masking: bool) -> Any:
    """Return a masked copy of a JSON-like value: every string inside dicts, lists and tuples.

    With keyword masking on, a string value stored under a sensitive key (``{"password": "x"}``)
    is replaced whole.
    """
    if isinstance(value, str):
        return mask_text(value, keyword_masking=keyword_masking)
    if isinstance(value, Mapping):
        return {
            key: MASK
            if keyword_masking and isinstance(item, str) and item and _is_sensitive_key(key)
            else mask_structure(item, keyword_masking=keyword_masking)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_structure(item, keyword_masking=keyword_masking) for item in value]
    return value
