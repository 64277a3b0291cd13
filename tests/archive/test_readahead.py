"""Inflating ahead in a thread: the same bytes come out, errors come where the data would have,
and whole blocks are handed over as they are (no copy of 8 MiB per read)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envol.archive.readahead import ReadAhead


class Blocks:
    """A reader that answers each read with its next block, whatever size was asked."""

    def __init__(self, blocks: list[bytes], error: Exception | None = None) -> None:
        self.blocks, self.error, self.closed = list(blocks), error, False

    def read(self, size: int, /) -> bytes:
        if self.blocks:
            return self.blocks.pop(0)
        if self.error is not None:
            raise self.error
        return b""

    def close(self) -> None:
        self.closed = True


def read_all(reader: ReadAhead, sizes: list[int]) -> list[bytes]:
    pieces, turn = [], 0
    while piece := reader.read(sizes[turn % len(sizes)]):
        assert len(piece) <= sizes[turn % len(sizes)]
        pieces.append(piece)
        turn += 1
    return pieces


@given(
    blocks=st.lists(st.binary(min_size=1, max_size=40), max_size=8),
    sizes=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=4),
)
def test_the_same_bytes_come_out_whatever_the_read_sizes(blocks: list[bytes], sizes: list[int]) -> None:
    inner = Blocks(blocks)
    reader = ReadAhead(inner, 16)
    try:
        assert b"".join(read_all(reader, sizes)) == b"".join(blocks)
    finally:
        reader.close()
    assert inner.closed


def test_whole_blocks_are_handed_over_without_a_copy() -> None:
    first, second, third = b"h" * 100 + b"a" * 900, b"b" * 1000, b"c" * 1000
    reader = ReadAhead(Blocks([first, second, third]), 1000)
    try:
        assert reader.read(100) == b"h" * 100  # the head of a list file
        assert reader.read(1000) == b"a" * 900  # the rest of that block only: no join with the next
        assert reader.read(1000) is second
        assert reader.read(1000) is third
        assert reader.read(1000) == b""
    finally:
        reader.close()


def test_an_error_comes_after_the_data_read_before_it() -> None:
    reader = ReadAhead(Blocks([b"x" * 10], error=OSError("damaged")), 10)
    try:
        assert reader.read(4) == b"xxxx"
        assert reader.read(10) == b"x" * 6
        with pytest.raises(OSError, match="damaged"):
            reader.read(10)
    finally:
        reader.close()
