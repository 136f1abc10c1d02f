"""Read the complete lines of a file backwards, in fixed-size blocks, with their byte offsets.

Memory is one block plus the longest line. A trailing fragment without its newline (a line still
being written) is skipped: only lines that end with ``\\n`` before ``end`` are returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

BLOCK_SIZE = 256 * 1024


def read_lines_backwards(handle: BinaryIO, end: int, block_size: int = BLOCK_SIZE) -> Iterator[tuple[int, bytes]]:
    """Yield ``(offset, line)`` from the last complete line before ``end`` back to the first line.

    ``line`` excludes its newline; empty lines are skipped.
    """
    position = end
    carry = b""
    at_tail = True
    while position > 0:
        start = max(0, position - block_size)
        handle.seek(start)
        data = handle.read(position - start) + carry
        pieces = data.split(b"\n")
        if at_tail and len(pieces) == 1:
            position = start  # no newline yet: the whole block belongs to the unfinished last line
            continue
        if at_tail:
            fragment = pieces.pop()  # after the last newline: empty, or a line still being written
            newline_at = start + len(data) - len(fragment) - 1
            at_tail = False
        else:
            newline_at = start + len(data)  # the newline that ended ``carry`` lies just after ``data``
        carry = pieces[0] if start > 0 else b""
        lowest = 1 if start > 0 else 0
        for index in range(len(pieces) - 1, lowest - 1, -1):
            line = pieces[index]
            line_start = newline_at - len(line)
            if line:
                yield line_start, line
            newline_at = line_start - 1
        position = start
