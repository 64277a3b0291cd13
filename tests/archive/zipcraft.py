"""Write zip files byte by byte, to build what zipfile refuses to write (lying headers, Deflate64)."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RawEntry:
    name: str
    payload: bytes  # the member's data exactly as stored (already compressed for method 8/9)
    method: int
    crc: int
    file_size: int  # the declared inflated size: it may lie
    flags: int = 0


def entry_for(name: str, content: bytes, method: int, payload: bytes, **overrides: int) -> RawEntry:
    """An honest entry for ``content`` (payload = its compressed form), with optional lies."""
    fields = {"crc": zlib.crc32(content), "file_size": len(content), "flags": 0} | overrides
    return RawEntry(name, payload, method, fields["crc"], fields["file_size"], fields["flags"])


def write_raw_zip(path: Path, entries: list[RawEntry]) -> Path:
    local, central = bytearray(), bytearray()
    for entry in entries:
        name = entry.name.encode()
        offset = len(local)
        sizes = (entry.crc, len(entry.payload), entry.file_size, len(name))
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, entry.flags, entry.method, 0, 0x21, *sizes, 0)
        local += name + entry.payload
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            entry.flags,
            entry.method,
            0,
            0x21,
            *sizes,
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += name
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(local), 0
    )
    path.write_bytes(bytes(local + central + end))
    return path


def raw_deflate(data: bytes, strategy: int = zlib.Z_DEFAULT_STRATEGY) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9, strategy)
    return compressor.compress(data) + compressor.flush()


class _BitWriter:
    """Deflate's bit order: fields LSB first, Huffman codes MSB first."""

    def __init__(self) -> None:
        self.bits: list[int] = []

    def field(self, value: int, width: int) -> None:
        self.bits += [(value >> i) & 1 for i in range(width)]

    def code(self, value: int, width: int) -> None:
        self.bits += [(value >> i) & 1 for i in reversed(range(width))]

    def to_bytes(self) -> bytes:
        padded = self.bits + [0] * (-len(self.bits) % 8)
        return bytes(
            sum(bit << i for i, bit in enumerate(padded[n : n + 8])) for n in range(0, len(padded), 8)
        )


def deflate64_with_long_match(text: bytes, run: int) -> tuple[bytes, bytes]:
    """A Deflate64 stream for ``text + b" " * (run + 1) + b"]"`` and that expected output.

    ``text`` is Huffman-coded by zlib without back-references (valid Deflate64 as it is); a final
    fixed-Huffman block then uses length code 285 with 16 extra bits, which only Deflate64 has
    (in plain Deflate, 285 means exactly 258 with no extra bits), to repeat a space ``run`` times.
    """
    assert 3 <= run <= 65538
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_HUFFMAN_ONLY)
    head = compressor.compress(text) + compressor.flush(zlib.Z_SYNC_FLUSH)  # byte-aligned, not final
    bits = _BitWriter()
    bits.field(1, 1)  # BFINAL
    bits.field(1, 2)  # BTYPE = fixed Huffman
    bits.code(0x30 + ord(" "), 8)  # literal " "
    bits.code(0xC0 + (285 - 280), 8)  # length code 285
    bits.field(run - 3, 16)  # Deflate64: 16 extra bits, base 3
    bits.code(0, 5)  # distance code 0: distance 1
    bits.code(0x30 + ord("]"), 8)  # literal "]"
    bits.code(0, 7)  # end of block (256)
    return head + bits.to_bytes(), text + b" " * (run + 1) + b"]"


def force_zip64_end_records(path: Path) -> None:
    """Rewrite the end of a zip with Zip64 end records, as X's 2024 zips have even when small."""
    data = path.read_bytes()
    at = data.rfind(b"PK\x05\x06")
    entries, cd_size, cd_offset = struct.unpack("<2xH2L", data[at + 8 : at + 20])
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, cd_size, cd_offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    path.write_bytes(data[:at] + record + locator + end)
