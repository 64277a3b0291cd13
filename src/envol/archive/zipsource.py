"""Read the few members we need straight out of a zip file, with bomb and damage checks.

``zipfile`` parses the central directory (after a cheap look at the end record, so that a zip
announcing millions of entries is refused before ``zipfile`` builds them all); members are then
read by ``ZipMemberReader``, which enforces the limits on the bytes actually produced.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

from envol.archive.base import ByteReader, Limits, MemberLayout
from envol.archive.errors import (
    NotAZipError,
    TruncatedZipError,
    UnsupportedZipError,
    ZipBombError,
)
from envol.archive.members import layout_from_names
from envol.archive.zipmember import ZIP_DEFLATE64, ZipMemberReader

_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_RECORD = struct.Struct("<4sQ2H2L4Q")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_METHOD_NAMES = {12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "XZ", 98: "PPMd", 99: "AES encryption"}


def looks_like_zip(path: Path) -> bool:
    """True if ``path`` starts like a zip or has an end-of-central-directory record."""
    with path.open("rb") as fp:
        if fp.read(4) in (b"PK\x03\x04", b"PK\x05\x06"):
            return True
        return _find_eocd(fp) is not None


def _find_eocd(fp: BinaryIO) -> tuple[int, bytes] | None:
    """Offset and bytes of the end-of-central-directory record (it ends a zip, before a comment)."""
    size = fp.seek(0, 2)
    start = max(0, size - (_EOCD.size + 0xFFFF))
    fp.seek(start)
    tail = fp.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        return None
    return start + at, tail[at : at + _EOCD.size]


def _entry_count(fp: BinaryIO, label: str) -> int:
    """Number of entries announced by the (Zip64) end record, read before zipfile builds them all."""
    first = fp.read(4)
    found = _find_eocd(fp)
    if found is None:
        if first == b"PK\x03\x04":
            raise TruncatedZipError(
                label,
                f"{label} is an incomplete zip file (its end is missing); the upload may have been cut off.",
            )
        raise NotAZipError(label, f"{label} is not a zip archive nor an X data file.")
    offset, record = found
    entries = _EOCD.unpack(record)[4]
    if entries != 0xFFFF or offset < _EOCD64_LOCATOR.size:
        return int(entries)
    fp.seek(offset - _EOCD64_LOCATOR.size)
    locator = fp.read(_EOCD64_LOCATOR.size)
    record_at = offset - _EOCD64_LOCATOR.size - _EOCD64_RECORD.size
    if not locator.startswith(b"PK\x06\x07") or record_at < 0:
        return int(entries)
    fp.seek(record_at)
    record64 = fp.read(_EOCD64_RECORD.size)
    if not record64.startswith(b"PK\x06\x06"):
        return int(entries)
    return int(_EOCD64_RECORD.unpack(record64)[7])


class ZipStore:
    """A zip archive on disk (seekable); only the central directory is read up front."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.label = path.name
        self._fp = path.open("rb")
        try:
            entries = _entry_count(self._fp, self.label)
            if entries > limits.max_zip_entries:
                raise ZipBombError(
                    self.label,
                    f"{self.label} holds {entries:,} files, more than the {limits.max_zip_entries:,} "
                    "we accept. Upload data/follower.js, data/following.js, data/account.js and "
                    "data/manifest.js instead.",
                )
            self._fp.seek(0)
            self._zip = zipfile.ZipFile(self._fp)
        except zipfile.BadZipFile as exc:
            self._fp.close()
            if "zip bomb" in str(exc):  # zipfile detects overlapping entries
                raise ZipBombError(self.label, f"{self.label} is a zip bomb ({exc}).") from exc
            raise TruncatedZipError(self.label, f"{self.label} is a damaged zip file ({exc}).") from exc
        except BaseException:
            self._fp.close()
            raise
        self._infos = {info.filename: info for info in self._zip.infolist() if not info.is_dir()}
        self._names = [info.filename for info in self._zip.infolist() if not info.is_dir()]

    def layout(self) -> MemberLayout:
        return layout_from_names(self._names, self.label)

    def check_member(self, member: str, limits: Limits) -> None:
        info = self._infos[member]
        if info.flag_bits & 0x1:
            raise UnsupportedZipError(
                member, f"{member} is encrypted in {self.label}; upload the archive without a password."
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, ZIP_DEFLATE64):
            method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise UnsupportedZipError(
                member,
                f"{member} is compressed with {method}, which we do not read; "
                "re-create the zip with ordinary (Deflate) compression.",
            )
        if info.file_size > limits.max_member_bytes:
            raise ZipBombError(
                member,
                f"{member} declares {info.file_size:,} bytes once unpacked, "
                f"more than the {limits.max_member_bytes:,}-byte limit.",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= limits.ratio_check_min_bytes and ratio > limits.max_compression_ratio:
            raise ZipBombError(
                member, f"{member} claims to unpack {ratio:,.0f} times larger than it is packed: a zip bomb."
            )

    def open_member(self, member: str, limits: Limits) -> ByteReader:
        self.check_member(member, limits)
        return ZipMemberReader(self._fp, self._infos[member], limits.max_member_bytes)

    def close(self) -> None:
        self._zip.close()
        self._fp.close()
