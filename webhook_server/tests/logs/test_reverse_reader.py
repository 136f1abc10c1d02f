"""The reverse block reader returns every complete line, newest first, with exact offsets."""

from __future__ import annotations

import io
import random

import pytest

from webhook_server.libs.log_store.reverse_reader import read_lines_backwards


def forward_lines(data: bytes) -> list[tuple[int, bytes]]:
    """Complete non-empty lines with offsets, read forwards (the oracle)."""
    result = []
    offset = 0
    for piece in data.split(b"\n")[:-1]:
        if piece:
            result.append((offset, piece))
        offset += len(piece) + 1
    return result


@pytest.mark.parametrize(
    ("data", "block_size"),
    [
        (b"", 4),
        (b"a\n", 4),
        (b"one\ntwo\nthree\n", 4),
        (b"one\ntwo\nthree\n", 1),
        (b"one\ntwo\nthree\n", 1000),
        (b"one\n\n\ntwo\n", 3),
        (b"first\nsecond\nstill being writ", 5),
        (b"no newline at all", 4),
        (b"x" * 50 + b"\n" + b"y" * 70 + b"\n", 8),
        ("héllo\nwörld\n".encode(), 3),
    ],
    ids=[
        "empty",
        "single-line",
        "small-blocks",
        "one-byte-blocks",
        "one-block",
        "empty-lines-skipped",
        "partial-tail-skipped",
        "only-partial",
        "lines-longer-than-blocks",
        "utf8-split-across-blocks",
    ],
)
def test_lines_come_back_newest_first(data: bytes, block_size: int) -> None:
    got = list(read_lines_backwards(io.BytesIO(data), len(data), block_size))
    assert got == forward_lines(data)[::-1]
    for offset, line in got:
        assert data[offset : offset + len(line)] == line


def test_end_limits_the_lines_read() -> None:
    data = b"aa\nbb\ncc\ndd\n"
    assert [line for _, line in read_lines_backwards(io.BytesIO(data), 6, 2)] == [b"bb", b"aa"]
    assert [line for _, line in read_lines_backwards(io.BytesIO(data), 7, 2)] == [b"bb", b"aa"]


def test_random_files_match_forward_reading() -> None:
    rng = random.Random(7)
    for _ in range(300):
        lines = [bytes(rng.choice(b"ab{}") for _ in range(rng.randint(0, 30))) for _ in range(rng.randint(0, 40))]
        data = b"".join(line + b"\n" for line in lines) + b"tail" * rng.randint(0, 3)
        block_size = rng.randint(1, 64)
        assert list(read_lines_backwards(io.BytesIO(data), len(data), block_size)) == forward_lines(data)[::-1]
