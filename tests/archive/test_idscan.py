"""The NumPy id scanner against the regex it stands in for: the same ids, or "unsure" (None)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envol.archive import idscan
from envol.archive.idscan import fast_ids
from envol.archive.synthetic import render_list_js

ID_RE = re.compile(rb'"accountId"\s*:\s*"(\d{1,20})"')
U64_MAX = 2**64 - 1


def regex_ids(buf: bytes, start: int, end: int) -> list[int] | None:
    """What the regex path yields, None where it would refuse (a value beyond 2^64-1)."""
    values = [int(v) for v in ID_RE.findall(buf, start, end)]
    return None if any(v > U64_MAX for v in values) else values


def test_x_lists_take_the_fast_path_with_the_same_ids() -> None:
    ids = [0, 1, 9, 10, 99, 10**18, 10**19, 2**63, U64_MAX, U64_MAX - 9, 1234567890123456789]
    data = b"".join(render_list_js("follower", ids))
    found = fast_ids(data, 0, len(data))
    assert found is not None
    assert found.dtype == np.uint64
    assert found.tolist() == ids


def test_beyond_u64_is_left_to_the_regex() -> None:
    data = b"".join(render_list_js("follower", [1])).replace(b'"1"', b'"18446744073709551616"')
    assert fast_ids(data, 0, len(data)) is None


@settings(max_examples=300, deadline=None)
@given(
    ids=st.lists(st.integers(0, U64_MAX), max_size=20),
    noise=st.lists(
        st.sampled_from(
            [
                b"I",
                b'"accountId"',
                b'"accountId":"5"',
                b'"accountId" : ""',
                b'"accountId" : "12a"',
                b' : "',
                b'"accountId" : "' + b"9" * 21 + b'"',
                b'"accountId"\t:  "7"',
                b"}",
                b"{",
            ]
        ),
        max_size=4,
    ),
    where=st.lists(st.integers(0, 10**6), max_size=4),
    cut=st.tuples(st.integers(0, 40), st.integers(0, 40)),
)
def test_same_ids_as_the_regex_or_unsure(
    ids: list[int], noise: list[bytes], where: list[int], cut: tuple[int, int]
) -> None:
    data = bytearray(b"".join(render_list_js("follower", ids)))
    for piece, at in zip(noise, where, strict=False):
        position = at % (len(data) + 1)
        data[position:position] = piece
    buf = bytes(data)
    start, end = min(cut[0], len(buf)), max(len(buf) - cut[1], 0)
    start = min(start, end)
    found = fast_ids(buf, start, end)
    if found is not None:
        assert found.tolist() == regex_ids(buf, start, end)


def test_ids_below_twenty_digits_take_the_word_wise_conversion(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ids X issues (below 2^63: at most 19 digits) are converted eight digits at a time; the
    column-by-column conversion is only for 20-digit ids and a key at the very start of a segment."""
    ids = [0, 7] + [v for k in range(1, 19) for v in (10**k - 1, 10**k, 10**k + 1)] + [10**19 - 1, 2**63 - 1]
    data = b"  " * 20 + b"".join(render_list_js("follower", ids))
    monkeypatch.setattr(idscan, "_column_values", None)  # would fail if called
    found = fast_ids(data, 0, len(data))
    assert found is not None
    assert found.tolist() == ids


@settings(max_examples=200, deadline=None)
@given(ids=st.lists(st.integers(0, 10**19 - 1), min_size=1, max_size=40), lead=st.integers(0, 30))
def test_word_wise_conversion_gives_every_value(ids: list[int], lead: int) -> None:
    data = b" " * lead + b"".join(render_list_js("follower", ids))
    found = fast_ids(data, 0, len(data))
    assert found is not None
    assert found.tolist() == ids


def test_an_id_at_the_very_start_of_a_segment_is_converted_column_wise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The word-wise conversion reads the 24 bytes before each closing quote: for an id that ends
    before the segment's 24th byte it would read before the segment (NumPy's negative indexes wrap
    around, silently), so such a segment goes column by column."""
    data = b'"accountId" : "7", "accountId" : "123456789012345678"' + b" " * 40
    monkeypatch.setattr(idscan, "_swar_values", None)  # would fail if called
    found = fast_ids(data, 0, len(data))
    assert found is not None
    assert found.tolist() == [7, 123456789012345678]
