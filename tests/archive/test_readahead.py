"""The read-ahead thread hands over exactly the underlying bytes, errors in order, and stops on close."""

from __future__ import annotations

import io
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envol.archive.errors import TruncatedZipError
from envol.archive.readahead import ReadAhead


class _Source:
    """A reader over ``data`` that fails with ``error`` once ``fail_at`` bytes have been read."""

    def __init__(self, data: bytes, fail_at: int | None = None) -> None:
        self._file, self._fail_at = io.BytesIO(data), fail_at
        self.closed = False
        self.reading_threads: set[str] = set()

    def read(self, size: int, /) -> bytes:
        self.reading_threads.add(threading.current_thread().name)
        if self._fail_at is not None and self._file.tell() >= self._fail_at:
            raise TruncatedZipError("data/follower.js", "data/follower.js is damaged (test)")
        limit = size if self._fail_at is None else min(size, self._fail_at - self._file.tell())
        return self._file.read(limit)

    def close(self) -> None:
        self.closed = True


def _drain(reader: ReadAhead, sizes: list[int]) -> bytes:
    out, turn = [], 0
    while piece := reader.read(sizes[turn % len(sizes)]):
        assert len(piece) <= sizes[turn % len(sizes)]
        out.append(piece)
        turn += 1
    return b"".join(out)


@given(
    data=st.binary(max_size=5000),
    piece=st.integers(1, 700),
    sizes=st.lists(st.integers(1, 900), min_size=1, max_size=5),
    depth=st.integers(1, 3),
)
def test_hands_over_exactly_the_underlying_bytes(
    data: bytes, piece: int, sizes: list[int], depth: int
) -> None:
    source = _Source(data)
    reader = ReadAhead(source, piece, depth=depth)
    try:
        assert _drain(reader, sizes) == data
        assert reader.read(10) == b""  # the end stays the end
    finally:
        reader.close()
    assert source.closed


def test_reads_happen_in_the_background_thread() -> None:
    source = _Source(b"x" * 10_000)
    reader = ReadAhead(source, 1000)
    assert _drain(reader, [4096]) == b"x" * 10_000
    reader.close()
    assert source.reading_threads == {"envol-inflate"}


def test_an_error_is_raised_after_the_bytes_before_it() -> None:
    source = _Source(bytes(range(256)) * 10, fail_at=1500)
    reader = ReadAhead(source, 400)
    got: list[bytes] = []

    def read_all() -> None:
        while True:
            got.append(reader.read(300))

    try:
        with pytest.raises(TruncatedZipError, match="damaged"):
            read_all()
    finally:
        reader.close()
    assert b"".join(got) == (bytes(range(256)) * 10)[:1500]


def test_close_stops_a_producer_waiting_on_a_full_queue() -> None:
    before = {t for t in threading.enumerate() if t.name == "envol-inflate"}
    source = _Source(b"y" * 1_000_000)
    reader = ReadAhead(source, 10, depth=1)
    assert reader.read(10) == b"y" * 10
    reader.close()  # the producer is blocked on the full queue: close must not hang
    assert source.closed
    assert {t for t in threading.enumerate() if t.name == "envol-inflate"} <= before
