"""Read the few members we need straight out of a zip file, with bomb and damage checks.

``zipfile`` parses the central directory, after a look at the end record and, when the directory
is big enough to hold more entries than we accept, a count of its real entries: a zip announcing
one entry while holding millions is refused before ``zipfile`` builds them all (decision 0017).
Whatever else ``zipfile`` raises on crafted input becomes a typed error. Members are then read by
``ZipMemberReader``, which enforces the limits on the bytes actually produced.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
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
_CENTRAL = struct.Struct("<4s24x3H")  # signature, then the name, extra and comment lengths
_CENTRAL_FIXED = 46  # bytes of a central directory entry before its name
_SEND_FEWER = "Upload data/follower.js, data/following.js, data/account.js and data/manifest.js instead."
_REZIP = "re-create the zip with an ordinary tool, or upload the data files themselves."
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


@dataclass(frozen=True)
class _Directory:
    """What the end records say of the central directory, read before zipfile builds it."""

    entries: int  # as announced: a crafted zip may hold many more
    size: int  # bytes
    end: int  # offset just after it (where the end records start)


def _directory(fp: BinaryIO, label: str) -> _Directory:
    """The (Zip64) end record's account of the central directory."""
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
    fields = _EOCD.unpack(record)
    plain = _Directory(int(fields[4]), int(fields[5]), offset)
    if offset < _EOCD64_LOCATOR.size or (
        0xFFFF not in (fields[3], fields[4]) and 0xFFFFFFFF not in fields[5:7]
    ):
        return plain
    fp.seek(offset - _EOCD64_LOCATOR.size)
    locator = fp.read(_EOCD64_LOCATOR.size)
    record_at = offset - _EOCD64_LOCATOR.size - _EOCD64_RECORD.size
    if not locator.startswith(b"PK\x06\x07") or record_at < 0:
        return plain
    fp.seek(record_at)
    record64 = fp.read(_EOCD64_RECORD.size)
    if not record64.startswith(b"PK\x06\x06"):
        return plain
    values = _EOCD64_RECORD.unpack(record64)
    return _Directory(int(values[7]), int(values[8]), record_at)


def _count_entries(fp: BinaryIO, directory: _Directory, most: int) -> int:
    """Entries actually in the central directory, counted up to ``most + 1`` (then it stops)."""
    start = directory.end - directory.size
    if start < 0:
        return 0  # zipfile reports the bad offset
    fp.seek(start)
    data = fp.read(directory.size)
    count, at = 0, 0
    while at + _CENTRAL.size <= len(data) and count <= most:
        signature, name, extra, comment = _CENTRAL.unpack_from(data, at)
        if signature != b"PK\x01\x02":
            break  # damage: zipfile says so
        at += _CENTRAL_FIXED + name + extra + comment
        count += 1
    return count


def _check_directory(fp: BinaryIO, label: str, limits: Limits) -> None:
    """Refuse a central directory zipfile would turn into too many objects, before it reads it.

    zipfile reads entries until the directory's byte size is used up, whatever count the end
    record announces: a zip announcing 1 entry can hold 2,000,000 (each ~600 bytes of Python
    objects). The size is checked first; only a directory big enough to hold more entries than
    the limit (at 46 bytes each, at least) is walked and counted.
    """
    directory = _directory(fp, label)
    count = directory.entries
    if directory.size > limits.max_directory_bytes:
        raise ZipBombError(
            label,
            f"{label} has a table of contents of {directory.size:,} bytes, more than the "
            f"{limits.max_directory_bytes:,} we accept. {_SEND_FEWER}",
        )
    if count <= limits.max_zip_entries and directory.size > _CENTRAL_FIXED * limits.max_zip_entries:
        count = _count_entries(fp, directory, limits.max_zip_entries)
    if count > limits.max_zip_entries:
        many = f"{count:,}" if count == directory.entries else f"more than {limits.max_zip_entries:,}"
        raise ZipBombError(
            label,
            f"{label} holds {many} files, more than the {limits.max_zip_entries:,} we accept. {_SEND_FEWER}",
        )


class ZipStore:
    """A zip archive on disk (seekable); only the central directory is read up front."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.label = path.name
        self._fp = path.open("rb")
        try:
            _check_directory(self._fp, self.label, limits)
            self._fp.seek(0)
            self._zip = zipfile.ZipFile(self._fp)
        except zipfile.BadZipFile as exc:
            self._fp.close()
            if "zip bomb" in str(exc):  # zipfile detects overlapping entries
                raise ZipBombError(self.label, f"{self.label} is a zip bomb ({exc}).") from exc
            raise TruncatedZipError(self.label, f"{self.label} is a damaged zip file ({exc}).") from exc
        except NotImplementedError as exc:  # e.g. a "version needed to extract" from the future
            self._fp.close()
            raise UnsupportedZipError(
                self.label, f"{self.label} uses a zip feature we do not read ({exc}); {_REZIP}"
            ) from exc
        except (OSError, ValueError, OverflowError, EOFError, struct.error) as exc:
            # Offsets or sizes no file can have (UnicodeDecodeError, a ValueError: a file name that
            # claims to be UTF-8 and is not).
            self._fp.close()
            raise TruncatedZipError(
                self.label, f"{self.label} is a damaged zip file ({_reason(exc)})."
            ) from exc
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
        """A reader of the member; a header zipfile accepted but no file can hold is damage."""
        self.check_member(member, limits)
        try:
            return ZipMemberReader(self._fp, self._infos[member], limits.max_member_bytes)
        except (OSError, OverflowError, ValueError) as exc:  # e.g. a Zip64 offset beyond any file
            raise TruncatedZipError(member, f"{member} is damaged in {self.label} ({_reason(exc)}).") from exc

    def close(self) -> None:
        self._zip.close()
        self._fp.close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "a file name in it is not valid UTF-8"
    return str(exc) or type(exc).__name__
