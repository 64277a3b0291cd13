"""The compact upload: exact round trips, and every forgery or damage refused with bounded work."""

from __future__ import annotations

import io
import logging
import struct
import zlib

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from envol.archive.base import ArchiveOwner
from envol.archive.compact import (
    IDS_PER_BYTE,
    MAGIC,
    BadUploadError,
    CompactUpload,
    UploadTooLargeError,
    encode_compact,
    encode_varints,
)
from envol.archive.profile import MAX_TEXT_CHARS, OwnerProfile
from envol.archive.synthetic import synthetic_ids

U64_MAX = 2**64 - 1
OWNER = ArchiveOwner(4242, "me", "Me")
ids_lists = st.lists(
    st.one_of(st.integers(0, U64_MAX), st.sampled_from([0, 1, 127, 128, 2**63, U64_MAX])), max_size=200
)


def _decode(
    body: bytes, *, max_bytes: int = 1 << 30, max_ids: int = 1 << 30
) -> tuple[CompactUpload, dict[str, list[int]]]:
    upload = CompactUpload(io.BytesIO(body), max_bytes=max_bytes, max_ids=max_ids)
    lists = {d: [int(i) for chunk in upload.iter_ids(d) for i in chunk] for d in ("follower", "following")}
    return upload, lists


def _array(values: list[int]) -> NDArray[np.uint64]:
    return np.array(values, dtype=np.uint64)


def _raw(header: dict[str, object], varints: bytes, *, magic: bytes = MAGIC) -> bytes:
    head = orjson.dumps(header)
    return zlib.compress(magic + struct.pack("<I", len(head)) + head + varints, wbits=31)


def _header(follower: int, following: int = 0) -> dict[str, object]:
    return {"owner": {"id": "4242", "handle": "me", "name": "Me"},
            "follower": {"count": follower, "expected": None, "files": []},
            "following": {"count": following, "expected": None, "files": []}}  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(follower=ids_lists, following=ids_lists)
def test_any_uint64_lists_round_trip_sorted_with_repeats(follower: list[int], following: list[int]) -> None:
    body = encode_compact(OWNER, {"follower": _array(follower), "following": _array(following)})
    upload, lists = _decode(body)
    assert lists == {"follower": sorted(follower), "following": sorted(following)}
    assert upload.owner == OWNER
    assert upload.expected_counts == {"follower": len(follower), "following": len(following)}


def test_realistic_ids_cost_under_five_bytes_each() -> None:
    ids = np.concatenate(list(synthetic_ids(200_000, seed=3)))
    body = encode_compact(OWNER, {"follower": ids})
    assert len(body) / len(ids) < 5
    _, lists = _decode(body)
    assert lists["follower"] == sorted(ids.tolist())


def test_a_big_list_is_decoded_in_pieces_across_varint_boundaries() -> None:
    # Random 3-byte distances: a constant distance would pack thousands of ids in a byte, which the
    # reader refuses as no real list does (test_ids_out_of_proportion_to_the_bytes_are_refused).
    distances = np.random.default_rng(5).integers(1 << 14, 1 << 21, 3_000_000, dtype=np.uint64)
    ids = np.cumsum(distances, dtype=np.uint64)
    upload = CompactUpload(
        io.BytesIO(encode_compact(OWNER, {"follower": ids})), max_bytes=1 << 30, max_ids=1 << 30
    )
    chunks = list(upload.iter_ids("follower"))
    assert len(chunks) > 1
    assert np.array_equal(np.concatenate(chunks), ids)
    assert list(upload.iter_ids("following")) == []


def test_no_owner_is_allowed_and_left_to_the_owner_rule() -> None:
    upload, lists = _decode(encode_compact(None, {"follower": _array([5, 3])}))
    assert upload.owner is None
    assert lists["follower"] == [3, 5]


def test_the_owners_profile_travels_in_the_header() -> None:
    profile = OwnerProfile("Moved: @me@piaille.test 🦋 me.bsky.social", "https://t.co/abc")
    upload, lists = _decode(encode_compact(OWNER, {"follower": _array([7, 9])}, profile=profile))
    assert upload.profile == profile
    assert lists["follower"] == [7, 9]
    upload, _ = _decode(encode_compact(OWNER, {"follower": _array([7])}))
    assert upload.profile is None  # an archive without profile.js


@pytest.mark.parametrize(
    "entry",
    [
        "Moved: @me@piaille.test",
        {"bio": 12, "website": ""},
        {"bio": "no website"},
        {"bio": "x" * (MAX_TEXT_CHARS + 1), "website": ""},
        {"bio": "", "website": "x" * (MAX_TEXT_CHARS + 1)},
    ],
    ids=["not an object", "not a text", "one text only", "bio too long", "website too long"],
)
def test_a_bad_profile_entry_is_ignored_and_logged_not_refused(
    entry: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="envol.archive"):
        upload, lists = _decode(_raw({**_header(2), "profile": entry}, encode_varints(_array([3, 1]))))
    assert upload.profile is None
    assert lists["follower"] == [3, 4]
    assert [r.getMessage() for r in caplog.records] == [
        "profile ignored: browser upload (not two short texts)"
    ]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"not gzip at all", "damaged"),
        (zlib.compress(b"ENVOLIDS\x02", wbits=31), "mark"),
        (encode_compact(OWNER, {"follower": _array([1, 2, 3])})[:-9], "stops before its end"),
        (encode_compact(OWNER, {"follower": _array([1])}) + b"extra", "extra bytes"),
        (_raw(_header(3), encode_varints(_array([1, 1]))), "stops after 2"),
        (_raw(_header(1), encode_varints(_array([1, 1]))), "more ids than its header"),
        (_raw(_header(2), encode_varints(_array([U64_MAX, 1]))), "beyond 2^64-1"),
        (_raw(_header(1), b"\xff" * 9 + b"\x02"), "larger than 2^64-1"),
        (_raw(_header(1), b"\xff" * 11 + b"\x01"), "longer than 64 bits"),
        (_raw(_header(1), b"\x80"), "middle of a number"),
        (_raw({**_header(1), "owner": {"id": "18446744073709551616"}}, b"\x01"), "owner id"),
        (_raw({**_header(1), "owner": {"id": 4242}}, b"\x01"), "owner id"),
        (_raw({**_header(1), "follower": {"count": -1}}, b"\x01"), "whole numbers"),
        (_raw({**_header(1), "follower": {"count": 1, "expected": 2}}, b"\x01"), "the archive says 2"),
        (_raw({"owner": None}, b""), "no follower entry"),
    ],
)
def test_damaged_or_forged_uploads_are_refused(body: bytes, why: str) -> None:
    with pytest.raises(BadUploadError, match="not valid") as caught:
        _decode(body)
    assert why in caught.value.message


def test_size_limits_refuse_before_decoding_everything() -> None:
    ids = np.cumsum(np.random.default_rng(7).integers(1, 1 << 20, 200_000, dtype=np.uint64), dtype=np.uint64)
    body = encode_compact(OWNER, {"follower": ids})
    with pytest.raises(UploadTooLargeError):
        _decode(body, max_bytes=len(body) // 2)
    with pytest.raises(UploadTooLargeError):
        _decode(body, max_ids=1000)


def test_a_header_announcing_a_billion_ids_over_a_tiny_body_is_refused_quickly() -> None:
    # Zero distances compress a thousandfold: the decoder stops at the body's end, not the claim.
    body = _raw(_header(10**9), b"\x00" * 1_000_000)
    with pytest.raises(
        BadUploadError, match=r"far more than ids can be packed in|inflates more than 64 times"
    ):
        _decode(body)


def test_ids_out_of_proportion_to_the_bytes_are_refused() -> None:
    """#16 item 7: 243 KB declaring 250 M zero distances cost 2.4 GB and 20 s. A declared count is
    held to the upload's length; decoded ids to the bytes read so far, when no length was given."""
    claim = _raw(_header(5_000_000), bytes(range(1, 128)) * 8)  # 5 M ids claimed over 1 KB of them
    with pytest.raises(BadUploadError, match="declares 5,000,000 ids in"):
        CompactUpload(io.BytesIO(claim), max_bytes=1 << 30, max_ids=1 << 30, input_bytes=len(claim))
    forged = _raw(_header(5_000_000), b"\x00" * 5_000_000)  # 5 M repeats of one id, in ~5 KB
    assert len(forged) < 10_000
    with pytest.raises(
        BadUploadError, match=r"far more than ids can be packed in|inflates more than 64 times"
    ):
        _decode(forged)


def test_a_real_density_of_ids_passes_the_proportion_rules() -> None:
    # Ids of X's first years only (the densest real lists): distances of a few hundred.
    ids = np.cumsum(np.random.default_rng(9).integers(1, 600, 300_000, dtype=np.uint64), dtype=np.uint64)
    body = encode_compact(OWNER, {"follower": ids})
    assert len(body) * IDS_PER_BYTE > len(ids)
    upload = CompactUpload(io.BytesIO(body), max_bytes=1 << 30, max_ids=1 << 30, input_bytes=len(body))
    assert np.array_equal(np.concatenate(list(upload.iter_ids("follower"))), ids)
