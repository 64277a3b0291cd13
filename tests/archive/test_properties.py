"""Property tests: any uint64 ids, any layout, any chunk size round-trip exactly."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
import zlib
from collections.abc import Generator
from pathlib import Path
from typing import Literal
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from envol.archive import jsfile
from envol.archive.base import DIRECTIONS
from envol.archive.errors import BadIdError
from envol.archive.jsfile import scan_list_ids
from envol.archive.parse import open_archive
from envol.archive.synthetic import Layout, render_list_js, write_synthetic_archive
from envol.archive.zipmember import ZipMemberReader

from .zipcraft import entry_for, raw_deflate, write_raw_zip

U64_MAX = 2**64 - 1
EDGE_IDS = [0, 1, 9, 10, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 2, U64_MAX]
ids_lists = st.lists(
    st.one_of(st.integers(0, U64_MAX), st.sampled_from(EDGE_IDS), st.integers(0, 10**9)), max_size=120
)


def render(ids: list[int], layout: Layout | Literal["minified"]) -> bytes:
    if layout == "minified":
        items = [
            {"follower": {"accountId": str(i), "userLink": f"https://x.com/intent/user?user_id={i}"}}
            for i in ids
        ]
        return b"window.YTD.follower.part0=" + json.dumps(items, separators=(",", ":")).encode()
    return b"".join(render_list_js("follower", ids, layout=layout))


#: Segments from which the scan cuts a second half for its helper thread: as in production (1 MiB,
#: more than these tests' lists), or from a few bytes on, so that halves are cut everywhere.
SPLITS = st.sampled_from([jsfile._SPLIT_BYTES, 1, 64])


def scan_all(data: bytes, chunk_bytes: int, split: int = jsfile._SPLIT_BYTES) -> tuple[list[int], int]:
    with mock.patch.object(jsfile, "_SPLIT_BYTES", split):
        scanner = scan_list_ids(
            io.BytesIO(data), member="follower.js", direction="follower", chunk_bytes=chunk_bytes
        )
        return drain(scanner)


def drain(scanner: Generator[NDArray[np.uint64], None, int]) -> tuple[list[int], int]:
    ids: list[int] = []
    while True:
        try:
            chunk = next(scanner)
        except StopIteration as stop:
            return ids, stop.value
        assert chunk.dtype == np.uint64
        assert len(chunk) > 0
        ids += chunk.tolist()


def filler(count: int) -> list[int]:
    """Spread-out ids that push a list past the 4 KiB head, so chunk boundaries are exercised."""
    return [(k * 0x9E3779B97F4A7C15) % 2**64 for k in range(count)]


@settings(max_examples=400, deadline=None)
@given(
    ids=ids_lists,
    extra=st.sampled_from([0, 0, 30, 120]),
    layout=st.sampled_from(["2021", "2020", "minified"]),
    chunk_bytes=st.one_of(st.integers(1, 300), st.integers(300, 20_000)),
    bom=st.booleans(),
    crlf=st.booleans(),
    semicolon=st.booleans(),
    split=SPLITS,
)
def test_any_ids_round_trip_in_any_layout_and_chunking(
    ids: list[int],
    extra: int,
    layout: Layout | Literal["minified"],
    chunk_bytes: int,
    bom: bool,
    crlf: bool,
    semicolon: bool,
    split: int,
) -> None:
    ids = filler(extra)[: extra // 2] + ids + filler(extra)[extra // 2 :]
    data = render(ids, layout)
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    data = (b"\xef\xbb\xbf" if bom else b"") + data + (b";\n" if semicolon else b"")
    assert scan_all(data, chunk_bytes, split) == (ids, len(ids))


NOT_AN_ID = st.one_of(
    st.integers(U64_MAX + 1, 10**25).map(lambda n: f'"{n}"'),
    st.integers(-(10**6), -1).map(str),
    st.integers(0, 10**6).map(str),  # a bare JSON number, not a string
    st.text("0123456789abcxyz-+. ", min_size=0, max_size=12)
    .filter(lambda t: not t.isdigit())
    .map(lambda t: f'"{t}"'),
    st.integers(0, 10**30).map(lambda n: f'"{n:021d}"'),  # 21+ digits
)


@settings(max_examples=200, deadline=None)
@given(
    ids=st.lists(st.integers(0, U64_MAX), min_size=1, max_size=40),
    data=st.data(),
    chunk_bytes=st.integers(1, 500),
    split=SPLITS,
)
def test_any_unreadable_id_is_reported_as_bad_id(
    ids: list[int], data: st.DataObject, chunk_bytes: int, split: int
) -> None:
    ids = filler(data.draw(st.sampled_from([0, 40]))) + ids
    position = data.draw(st.integers(0, len(ids) - 1))
    token = data.draw(NOT_AN_ID)
    text = render(ids, "2021")
    marker = f'"accountId" : "{ids[position]}"'.encode()
    at = text.find(marker, _nth_item(text, position))  # ids may repeat: search from the right item
    broken = text[:at] + b'"accountId" : ' + token.encode() + text[at + len(marker) :]
    with pytest.raises(BadIdError) as raised:
        scan_all(broken, chunk_bytes, split)
    assert token.strip('"') in raised.value.message


@settings(max_examples=100, deadline=None)
@given(ids=st.lists(st.integers(0, U64_MAX), min_size=2, max_size=60), data=st.data(), split=SPLITS)
def test_of_two_unreadable_ids_the_first_is_reported(ids: list[int], data: st.DataObject, split: int) -> None:
    """The second half of a segment is examined in another thread, but its errors wait their turn."""
    ids = filler(40) + ids
    first = data.draw(st.integers(0, len(ids) - 2))
    second = data.draw(st.integers(first + 1, len(ids) - 1))
    text = render(ids, "2021")
    for position, token in ((second, b'"second-bad"'), (first, b'"first-bad"')):  # the later one first
        marker = f'"accountId" : "{ids[position]}"'.encode()
        at = text.find(marker, _nth_item(text, position))
        text = text[:at] + b'"accountId" : ' + token + text[at + len(marker) :]
    with pytest.raises(BadIdError) as raised:
        scan_all(text, 1 << 16, split)
    assert "first-bad" in raised.value.message


def _nth_item(text: bytes, n: int) -> int:
    at = -1
    for _ in range(n + 1):
        at = text.find(b'"follower" :', at + 1)
    return at


@settings(max_examples=25, deadline=None)
@given(
    followers=st.lists(st.sampled_from(EDGE_IDS) | st.integers(0, U64_MAX), max_size=60).map(
        lambda i: i + filler(40)
    ),
    following=st.lists(st.integers(0, U64_MAX), max_size=20),
    layout=st.sampled_from(["2021", "2020", "2019"]),
    split_every=st.none() | st.integers(1, 25),
    chunk_bytes=st.integers(1, 2000),
)
def test_whole_archives_round_trip(
    followers: list[int], following: list[int], layout: Layout, split_every: int | None, chunk_bytes: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.zip"
        write_synthetic_archive(
            path,
            owner_id=U64_MAX,
            handle="h",
            followers=followers,
            following=following,
            layout=layout,
            split_every=split_every,
        )
        with open_archive(path) as archive:
            assert archive.owner is not None
            assert archive.owner.x_id == U64_MAX
            for direction, expected in zip(DIRECTIONS, (followers, following), strict=True):
                arrays = list(archive.iter_ids(direction, chunk_bytes=chunk_bytes))
                assert (np.concatenate(arrays).tolist() if arrays else []) == expected


@settings(max_examples=60, deadline=None)
@given(
    content=st.binary(max_size=30_000) | st.text(max_size=20_000).map(str.encode),
    method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, 9]),
    reads=st.lists(st.integers(1, 9000), min_size=1, max_size=50),
)
def test_member_reader_returns_exactly_the_content(content: bytes, method: int, reads: list[int]) -> None:
    payload = {0: content, 8: raw_deflate(content), 9: raw_deflate(content, zlib.Z_HUFFMAN_ONLY)}[method]
    with tempfile.TemporaryDirectory() as tmp:
        path = write_raw_zip(Path(tmp) / "m.zip", [entry_for("m.bin", content, method, payload)])
        with zipfile.ZipFile(path) as archive, path.open("rb") as fp:
            reader = ZipMemberReader(fp, archive.getinfo("m.bin"), max_bytes=U64_MAX)
            pieces = []
            for size in reads * (len(content) // sum(reads) + 2):
                piece = reader.read(size)
                assert len(piece) <= size
                pieces.append(piece)
            assert b"".join(pieces) == content
            assert reader.read(10) == b""
