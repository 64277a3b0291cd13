"""The compact upload the browser sends: the owner, the counts and the ids, and the owner's bio and
website when the archive has a readable profile.js (the source of suggestions), nothing else.

Format (version 1), one gzip stream (its CRC-32 and length catch a damaged transfer)::

    b"ENVOLIDS" 0x01                         magic and version
    u32 little-endian n, then n bytes        a JSON header (at most 64 KiB):
        {"owner": {"id": "…", "handle": "…", "name": "…"} | null,
         "follower":  {"count": N, "expected": M | null, "files": ["data/follower.js", …]},
         "following": {"count": N, "expected": M | null, "files": […]},
         "profile": {"bio": "…", "website": "…"},          optional
         "block": {"count": N, …}, "mute": {…}}           optional: the person asked Envol to
                                                           honour their X blocks and mutes
    N varints                                the follower ids, ascending, each as its distance from
                                             the previous one (the first from 0): unsigned LEB128
    N varints                                the following ids, likewise
    N varints, N varints                     the block ids, then the mute ids, likewise (when present)
    end of stream                            nothing may follow

Sorted ids cost about 4 bytes each: a sorted list of random 61-bit snowflakes leaves gaps of ~39
bits (6 bytes), ids of the 2006-2013 era leave gaps of a few thousand (2 bytes), and gzip takes
the slack out of the varints' top bytes. Repeated ids are allowed (distance 0) so that the counts
stay those of the archive.

The server trusts nothing here: ``CompactUpload`` reads the stream in bounded pieces, refuses
sizes beyond its limits, checks every count it is told, and detects any id beyond 2^64-1 (a sum
that wraps). Sortedness needs no check: distances are unsigned. The owner rule is the ingestion
service's, as for every other upload. A profile entry that is not two short texts is ignored (and
logged), as a bad profile.js is on the server-side path: it only ever feeds suggestions.
"""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import orjson
from numpy.typing import NDArray

from envol.archive.base import DIRECTIONS, MIB, SAFETY_LISTS, U64_MAX, ArchiveOwner, ByteReader, Direction
from envol.archive.errors import ArchiveError
from envol.archive.inflate import ERRORS, gzip_stream
from envol.archive.profile import MAX_TEXT_CHARS, OwnerProfile
from envol.core.stages import stage

MAGIC = b"ENVOLIDS\x01"
MAX_HEADER_BYTES = 64 * 1024
LABEL = "browser upload"
_READ_BYTES = 1 * MIB  # compressed bytes per read from the request
_INFLATE_BYTES = 1 * MIB  # inflated bytes per call: bounds memory whatever the ratio (each byte
# becomes up to 8 bytes of id, and as much again in temporaries while the varints are decoded)
_MAX_VARINT = 10  # 64 bits in 7-bit groups
#: Most ids an upload may declare or decode per byte it carries (decision 0017): real uploads carry
#: about 4 bytes per id (0.25 ids per byte); the densest plausible list, every id from X's first
#: years, about 1.4 bytes per id. A forged stream of zero distances packs some 1,000 ids in a byte.
IDS_PER_BYTE = 8
#: Ids allowed on top of that, so that tiny honest uploads (a header, a few ids) always pass.
IDS_SLACK = 4096
#: Most inflated bytes per compressed byte (varints compress 1-2x; a forged run of zeros, 1,000x).
INFLATE_RATIO = 64
_LENGTH = struct.Struct("<I")

logger = logging.getLogger("envol.archive")


class BadUploadError(ArchiveError):
    """The browser's upload is not a valid compact upload (damaged, truncated or forged)."""

    code = "bad_upload"


class UploadTooLargeError(ArchiveError):
    """The upload is larger, or holds more ids, than this instance accepts."""

    code = "upload_too_large"


@dataclass(frozen=True)
class ListHeader:
    count: int
    expected: int | None
    files: tuple[str, ...]


class _Inflater:
    """Inflates the gzip body piece by piece, never more than ``_INFLATE_BYTES`` at a time."""

    def __init__(self, stream: ByteReader, max_bytes: int) -> None:
        self._stream, self._max_bytes, self._read = stream, max_bytes, 0
        self._zlib = gzip_stream()
        self._pending = b""  # inflated but not yet consumed
        self._input_done = False
        self.inflated = 0

    def _more(self) -> bytes:
        """The next inflated piece, b"" at the end of the stream."""
        while True:
            if self._zlib.eof:
                if self._zlib.unused_data or self._stream.read(1):
                    raise _bad("it carries extra bytes after its end")
                return b""
            data = self._zlib.unconsumed_tail
            if not data:
                data = self._stream.read(_READ_BYTES)
                self._read += len(data)
                if self._read > self._max_bytes:
                    raise UploadTooLargeError(LABEL, f"The upload is larger than {self._max_bytes:,} bytes.")
                if not data:
                    raise _bad("it stops before its end")
            try:
                with stage("inflate"):
                    piece = self._zlib.decompress(data, _INFLATE_BYTES)
            except ERRORS as exc:
                raise _bad(f"its compressed data is damaged: {exc}") from exc
            self.inflated += len(piece)
            if self.inflated > INFLATE_RATIO * self._read + MAX_HEADER_BYTES:
                raise _bad(f"it inflates more than {INFLATE_RATIO} times its size, which ids never do")
            if piece:
                return piece

    @property
    def compressed_read(self) -> int:
        return self._read

    def read_exactly(self, size: int) -> bytes:
        while len(self._pending) < size:
            piece = self._more()
            if not piece:
                raise _bad("it stops before its end")
            self._pending += piece
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def pieces(self) -> Iterator[bytes]:
        """What is left, piece by piece."""
        if self._pending:
            yield self._pending
            self._pending = b""
        while piece := self._more():
            yield piece


def _bad(why: str) -> BadUploadError:
    return BadUploadError(LABEL, f"The upload from the browser is not valid: {why}.")


class CompactUpload:
    """A compact upload read from ``stream``; it presents the ids the way an opened archive does
    (``owner``, ``expected_counts``, ``iter_ids``), so the same ingestion service stores both.
    ``iter_ids`` must be called for "follower", then "following", then the block and mute lists
    it holds (``has_list``), each read to its end."""

    def __init__(
        self, stream: ByteReader, *, max_bytes: int, max_ids: int, input_bytes: int | None = None
    ) -> None:
        """``input_bytes``: the upload's declared length, when known (the ids it declares must be in
        proportion to it); without it, the ids are held to the bytes read so far as they come."""
        self._inflater = _Inflater(stream, max_bytes)
        if self._inflater.read_exactly(len(MAGIC)) != MAGIC:
            raise _bad("it does not start with the compact format's mark")
        (length,) = _LENGTH.unpack(self._inflater.read_exactly(_LENGTH.size))
        if length > MAX_HEADER_BYTES:
            raise _bad("its header is too long")
        header = _parse_header(self._inflater.read_exactly(length))
        self.owner: ArchiveOwner | None = header[0]
        self.lists: dict[Direction, ListHeader] = header[1]
        self.profile: OwnerProfile | None = header[2]
        total = sum(entry.count for entry in self.lists.values())
        if total > max_ids:
            raise UploadTooLargeError(
                LABEL, f"The upload holds {total:,} ids, more than the {max_ids:,} accepted."
            )
        if input_bytes is not None and total > _most_ids(input_bytes):
            raise _bad(
                f"it declares {total:,} ids in {input_bytes:,} bytes, far more than ids can be packed in"
            )
        self._decoded = 0
        for direction, entry in self.lists.items():
            if entry.expected is not None and entry.expected != entry.count:
                raise _bad(
                    f"its {direction} list holds {entry.count:,} ids but the archive says {entry.expected:,}"
                )
        self.expected_counts: dict[Direction, int | None] = {d: e.count for d, e in self.lists.items()}
        self.members_used = tuple(f for d in DIRECTIONS for f in self.lists[d].files) or (LABEL,)
        self._order: tuple[Direction, ...] = DIRECTIONS + tuple(d for d in SAFETY_LISTS if d in self.lists)
        self._varints = _decode_varints(self._inflater.pieces())
        self._leftover = np.empty(0, dtype=np.uint64)
        self._next = 0

    def has_list(self, direction: Direction) -> bool:
        return direction in self.lists

    def iter_ids(self, direction: Direction) -> Iterator[NDArray[np.uint64]]:
        if self._next >= len(self._order) or direction != self._order[self._next]:
            raise ValueError(
                "the lists of a compact upload are read in order: follower, following, block, mute"
            )
        self._next += 1
        left = self.lists[direction].count
        base = np.uint64(0)
        while left > 0:
            deltas = self._take(left)
            if deltas is None:
                raise _bad(f"its {direction} list stops after {self.lists[direction].count - left:,} ids")
            left -= len(deltas)
            self._decoded += len(deltas)
            if self._decoded > _most_ids(self._inflater.compressed_read):
                raise _bad(
                    f"it decodes to {self._decoded:,} ids from {self._inflater.compressed_read:,} bytes, "
                    "far more than ids can be packed in"
                )
            ids = _running_sum(deltas, base, direction)
            base = ids[-1]
            yield ids
        if self._next == len(self._order) and (self._leftover.size or next(self._varints, None) is not None):
            raise _bad("it holds more ids than its header says")

    def _take(self, most: int) -> NDArray[np.uint64] | None:
        if not self._leftover.size:
            decoded = next(self._varints, None)
            if decoded is None:
                return None
            self._leftover = decoded
        taken, self._leftover = self._leftover[:most], self._leftover[most:]
        return taken


def _most_ids(input_bytes: int) -> int:
    return IDS_PER_BYTE * input_bytes + IDS_SLACK


def _parse_header(
    data: bytes,
) -> tuple[ArchiveOwner | None, dict[Direction, ListHeader], OwnerProfile | None]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise _bad("its header is not JSON") from None
    if not isinstance(doc, dict):
        raise _bad("its header is not a JSON object")
    owner_doc = doc.get("owner")
    owner = None
    if owner_doc is not None:
        if not isinstance(owner_doc, dict):
            raise _bad("its owner is not an object")
        owner = ArchiveOwner(
            x_id=_u64_text(owner_doc.get("id")),
            handle=_short_text(owner_doc.get("handle", ""), "handle"),
            display_name=_short_text(owner_doc.get("name", ""), "name"),
        )
    lists = {d: _list_header(doc.get(d), d) for d in DIRECTIONS}
    lists |= {d: _list_header(doc[d], d) for d in SAFETY_LISTS if d in doc}
    return owner, lists, _profile(doc.get("profile"))


def _profile(entry: object) -> OwnerProfile | None:
    if entry is None:
        return None
    bio, website = (entry.get("bio"), entry.get("website")) if isinstance(entry, Mapping) else (None, None)
    if isinstance(bio, str) and isinstance(website, str) and max(len(bio), len(website)) <= MAX_TEXT_CHARS:
        return OwnerProfile(bio, website)
    logger.warning("profile ignored: %s (not two short texts)", LABEL)
    return None


def _list_header(entry: object, direction: str) -> ListHeader:
    if not isinstance(entry, Mapping):
        raise _bad(f"its header has no {direction} entry")
    count, expected, files = entry.get("count"), entry.get("expected"), entry.get("files", [])
    if not _whole(count) or not (expected is None or _whole(expected)):
        raise _bad(f"its {direction} counts are not whole numbers")
    if (
        not isinstance(files, list)
        or len(files) > 1000
        or not all(isinstance(f, str) and len(f) < 500 for f in files)
    ):
        raise _bad(f"its {direction} file names are not a short list of names")
    return ListHeader(int(count), None if expected is None else int(expected), tuple(files))  # type: ignore[arg-type]


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= U64_MAX


def _u64_text(value: object) -> int:
    if (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) <= 20
        and int(value) <= U64_MAX
    ):
        return int(value)
    raise _bad("its owner id is not a number from 0 to 2^64-1")


def _short_text(value: object, field: str) -> str:
    if not isinstance(value, str) or len(value) > 255:
        raise _bad(f"its owner {field} is not a short text")
    return value


def _decode_varints(pieces: Iterator[bytes]) -> Iterator[NDArray[np.uint64]]:
    """Unsigned LEB128 values from a stream of byte pieces, a NumPy array per piece."""
    carry = np.empty(0, dtype=np.uint8)
    for piece in pieces:
        buf = np.frombuffer(piece, dtype=np.uint8)
        if carry.size:
            buf = np.concatenate((carry, buf))
        ends = np.flatnonzero(buf < 0x80)
        if not ends.size:
            if buf.size >= _MAX_VARINT:
                raise _bad("a number in it is longer than 64 bits")
            carry = buf.copy()
            continue
        yield _decode_complete(buf[: ends[-1] + 1], ends)
        carry = buf[ends[-1] + 1 :].copy()
        if carry.size >= _MAX_VARINT:
            raise _bad("a number in it is longer than 64 bits")
    if carry.size:
        raise _bad("it ends in the middle of a number")


def _decode_complete(buf: NDArray[np.uint8], ends: NDArray[np.intp]) -> NDArray[np.uint64]:
    """Values of varints that exactly fill ``buf``; ``ends`` are the indexes of their last bytes."""
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts + 1
    longest = int(lengths.max())
    if longest > _MAX_VARINT:
        raise _bad("a number in it is longer than 64 bits")
    low = (buf & 0x7F).astype(np.uint64)
    values = low[starts].copy()
    for k in range(1, longest):
        has = np.flatnonzero(lengths > k)
        group = low[starts[has] + k]
        if k == _MAX_VARINT - 1 and int(group.max()) > 1:
            raise _bad("a number in it is larger than 2^64-1")
        values[has] |= group << np.uint64(7 * k)
    return values


def _running_sum(deltas: NDArray[np.uint64], base: np.uint64, direction: str) -> NDArray[np.uint64]:
    """Ids from distances; a sum beyond 2^64-1 wraps around, which shows as a decrease."""
    ids = np.cumsum(deltas, dtype=np.uint64)
    ids += base
    if ids[0] < base or (ids.size > 1 and bool(np.any(ids[1:] < ids[:-1]))):
        raise _bad(f"its {direction} list has an id beyond 2^64-1")
    return ids


def encode_compact(
    owner: ArchiveOwner | None,
    lists: Mapping[Direction, NDArray[np.uint64]],
    *,
    expected: Mapping[Direction, int | None] | None = None,
    files: Mapping[Direction, list[str]] | None = None,
    profile: OwnerProfile | None = None,
) -> bytes:
    """What the browser sends for these lists (tests and benchmarks; the browser has its own)."""
    header: dict[str, object] = {
        "owner": None
        if owner is None
        else {"id": str(owner.x_id), "handle": owner.handle, "name": owner.display_name}
    }
    if profile is not None:
        header["profile"] = {"bio": profile.bio, "website": profile.website}
    body = []
    for direction in DIRECTIONS + tuple(d for d in SAFETY_LISTS if d in lists):
        ids = np.sort(np.asarray(lists.get(direction, np.empty(0, dtype=np.uint64)), dtype=np.uint64))
        header[direction] = {
            "count": int(ids.size),
            "expected": (expected or {}).get(direction),
            "files": (files or {}).get(direction, []),
        }
        body.append(encode_varints(np.diff(ids, prepend=np.uint64(0))))
    head = orjson.dumps(header)
    return zlib.compress(MAGIC + _LENGTH.pack(len(head)) + head + b"".join(body), wbits=16 + zlib.MAX_WBITS)


def encode_varints(values: NDArray[np.uint64]) -> bytes:
    out = bytearray()
    for value in values.tolist():
        while value >= 0x80:
            out.append((value & 0x7F) | 0x80)
            value >>= 7
        out.append(value)
    return bytes(out)
