"""A cheap test on raw JSONL bytes that rejects lines an ``EntryFilter`` cannot match, without parsing them.

It is a necessary condition only: a line it accepts is still parsed and checked exactly. It relies on
the writer's ``json.dumps`` defaults (``"key": "value"``) and upper-case levels. A term is used only
when it appears verbatim in JSON text wherever the decoded string contains it (printable ASCII
without ``"``, ``\\`` or ``/``); a search is used only on pure-ASCII lines without ``\\u``/``\\/`` escapes.
"""

from __future__ import annotations

from collections.abc import Callable

from webhook_server.libs.log_store.filters import LEVEL_RANK, EntryFilter

LineCheck = Callable[[bytes], bool]
_ENTRY_MARKER = b'"type": "log_entry"'
_COMPACT_ENTRY_MARKER = b'"type":"log_entry"'
_UNSAFE_TERM_CHARS = frozenset('"\\/')


def safe_raw_term(term: str) -> bool:
    """True when ``term`` appears verbatim in JSON text wherever its decoded string contains it."""
    return term.isascii() and term.isprintable() and not (_UNSAFE_TERM_CHARS & set(term))


def _required_tokens(entry_filter: EntryFilter) -> tuple[bytes, ...]:
    """Byte strings every matching line (of either record type) contains."""
    tokens = []
    if entry_filter.hook_id is not None and safe_raw_term(entry_filter.hook_id):
        tokens.append(entry_filter.hook_id.encode())
    short_repository = entry_filter.repository.rsplit("/", 1)[-1] if entry_filter.repository else None
    for value in (entry_filter.event_type, entry_filter.github_user, short_repository):
        if value is not None and safe_raw_term(value):
            tokens.append(b'"' + value.encode() + b'"')
    return tuple(tokens)


def _allowed_levels(entry_filter: EntryFilter) -> frozenset[str] | None:
    """The levels an entry may have, or None when the level is not filtered."""
    allowed = entry_filter.levels
    if entry_filter.min_level_rank is not None:
        ranked = frozenset(level for level, rank in LEVEL_RANK.items() if rank >= entry_filter.min_level_rank)
        allowed = ranked if allowed is None else allowed & ranked
    return allowed


def compile_line_check(entry_filter: EntryFilter) -> LineCheck | None:
    """The raw-line test for ``entry_filter``, or None when nothing can be decided without parsing."""
    tokens = _required_tokens(entry_filter)
    levels = _allowed_levels(entry_filter)
    level_tokens = tuple(b'"level": "' + level.encode() + b'"' for level in levels) if levels is not None else None
    summaries_possible = levels is None or "COMPLETED" in levels
    folded = entry_filter.folded_search
    search = folded.encode() if folded is not None and safe_raw_term(folded) else None
    if not tokens and level_tokens is None and search is None:
        return None

    def check(line: bytes) -> bool:
        for token in tokens:
            if token not in line:
                return False
        if _ENTRY_MARKER not in line and _COMPACT_ENTRY_MARKER not in line:
            return summaries_possible  # a summary's level is COMPLETED and its message is built, not stored
        if level_tokens is not None and not any(token in line for token in level_tokens):
            return False
        if search is None or not line.isascii() or b"\\u" in line or b"\\/" in line:
            return True
        return search in line.lower()

    return check
