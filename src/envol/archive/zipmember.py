"""Inflate one zip member ourselves, so that limits apply to the bytes actually produced.

``ZipFile.open`` quietly stops at the size the header declares (a lying header then shows up only
as a checksum error, or not at all) and inflates a whole Deflate64 read in one unbounded call. Here
output beyond the declared size or the limit is refused as it is produced, and damage (bad deflate
data, early end, size or CRC mismatch) is reported with the member's name.
"""

from __future__ import annotations

import struct
import zipfile
from typing import BinaryIO, Protocol

from zipfile_deflate64.deflate64 import Deflate64  # importing the package also patches zipfile

from envol.archive.base import KIB, MIB
from envol.archive.errors import TruncatedZipError, ZipBombError
from envol.archive.inflate import ERRORS, crc32, raw_deflate
from envol.core.stages import stage

ZIP_DEFLATE64 = 9
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
# Deflate64 can expand one input byte tens of thousands of times and its decoder takes no output
# bound: feed it 1 KiB slices so one call never produces more than a few tens of MB.
_DEFLATE64_INPUT = 1 * KIB
_DEFLATE_INPUT = 1 * MIB
#: What a decoder raises on bad data (Deflate64's decoder raises ValueError).
_DAMAGE: tuple[type[Exception], ...] = (*ERRORS, ValueError)


class _Inflater(Protocol):
    eof: bool

    def decompress(self, data: bytes, /) -> bytes: ...


class ZipMemberReader:
    """Inflates one member, refusing output beyond the declared size or the limit, checking CRC."""

    def __init__(self, fp: BinaryIO, info: zipfile.ZipInfo, max_bytes: int) -> None:
        self._fp, self._info, self._name = fp, info, info.filename
        self._max_bytes = min(max_bytes, info.file_size)
        self._position = self._data_offset()
        self._compressed_left = info.compress_size
        self._deflate = raw_deflate() if info.compress_type == zipfile.ZIP_DEFLATED else None
        self._deflate64: _Inflater | None = Deflate64() if info.compress_type == ZIP_DEFLATE64 else None
        self._pending = b""
        self._produced = 0
        self._crc = 0
        self._done = False

    def _damaged(self, why: str) -> TruncatedZipError:
        return TruncatedZipError(self._name, f"{self._name} is damaged or incomplete in the zip ({why}).")

    def _data_offset(self) -> int:
        self._fp.seek(self._info.header_offset)
        header = self._fp.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size or not header.startswith(b"PK\x03\x04"):
            raise self._damaged("its header is missing")
        fields = _LOCAL_HEADER.unpack(header)
        name_length, extra_length = fields[10], fields[11]
        encoding = "utf-8" if fields[3] & 0x800 else "cp437"
        if self._fp.read(name_length).decode(encoding, "replace") != self._info.orig_filename:
            raise self._damaged("its header names another file")
        return int(self._info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)

    def _read_compressed(self, size: int) -> bytes:
        size = min(size, self._compressed_left)
        try:
            self._fp.seek(self._position)
            data = self._fp.read(size)
        except (OSError, OverflowError) as exc:  # an offset or size no file can have
            raise self._damaged(str(exc)) from exc
        if len(data) < size:
            raise self._damaged("the file ends early")
        self._position += len(data)
        self._compressed_left -= len(data)
        return data

    def _inflate_some(self, want: int) -> bytes:
        """Next piece of output: at most ``want`` bytes, except Deflate64 (bounded by its input slice)."""
        with stage("inflate"):
            try:
                if self._deflate is not None:
                    data = self._deflate.unconsumed_tail or self._read_compressed(_DEFLATE_INPUT)
                    return self._deflate.decompress(data, want)
                if self._deflate64 is not None:
                    return self._deflate64.decompress(self._read_compressed(_DEFLATE64_INPUT))
                return self._read_compressed(want)
            except _DAMAGE as exc:
                raise self._damaged(f"bad compressed data: {exc}") from exc

    def _finished(self) -> bool:
        inflater = self._deflate or self._deflate64
        return inflater.eof if inflater is not None else self._compressed_left == 0

    def _input_exhausted(self) -> bool:
        tail = self._deflate.unconsumed_tail if self._deflate is not None else b""
        return self._compressed_left == 0 and not tail

    def read(self, size: int, /) -> bytes:
        pieces = [self._pending] if self._pending else []
        have = len(self._pending)
        while have < size and not self._done:
            piece = self._inflate_some(size - have)
            self._done = self._finished()
            if not piece and not self._done and self._input_exhausted():
                raise self._damaged("the compressed data stops early")
            self._account(piece)
            pieces.append(piece)
            have += len(piece)
        data = b"".join(pieces)
        self._pending = data[size:]
        return data[:size]

    def _account(self, piece: bytes) -> None:
        self._produced += len(piece)
        if self._produced > self._max_bytes:
            if self._produced > self._info.file_size:
                why = f"unpacks to more than the {self._info.file_size:,} bytes its header declares"
            else:
                why = f"unpacks to more than the {self._max_bytes:,}-byte limit"
            raise ZipBombError(self._name, f"{self._name} {why}: a zip bomb.")
        self._crc = crc32(piece, self._crc)
        if self._done:
            if self._produced != self._info.file_size:
                raise self._damaged(f"{self._produced:,} bytes instead of {self._info.file_size:,}")
            if self._crc != self._info.CRC:
                raise self._damaged("checksum mismatch")

    def close(self) -> None:
        """The zip file handle is shared and closed by the store."""
