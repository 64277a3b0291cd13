"""The Deflate decoder for zip members and compact uploads: ISA-L when its wheel is installed
(``isal``, 2.5–3× faster than zlib here), otherwise the standard library's zlib (decision 0015).

Both take the same calls (``decompressobj``, ``decompress(data, max_length)``, ``unconsumed_tail``,
``eof``, ``unused_data``, ``crc32``) and produce the same bytes; both release the GIL while they
work. Deflate64 members are not Deflate: ``zipmember`` keeps its own decoder for them.
"""

from __future__ import annotations

import zlib
from types import ModuleType
from typing import Protocol

_module: ModuleType
try:
    from isal import isal_zlib as _module

    NAME = "isal"
except ImportError:  # a platform without a wheel: the standard library, slower, same results
    _module = zlib
    NAME = "zlib"

#: What a decoder raises on damaged data (ISA-L's error is not zlib.error).
ERRORS: tuple[type[Exception], ...] = (zlib.error, _module.error)


class Decompressor(Protocol):
    eof: bool
    unconsumed_tail: bytes
    unused_data: bytes

    def decompress(self, data: bytes, /, max_length: int = 0) -> bytes: ...


def raw_deflate() -> Decompressor:
    """A decoder of raw Deflate (no header), as zip members hold it."""
    decoder: Decompressor = _module.decompressobj(-15)
    return decoder


def gzip_stream() -> Decompressor:
    """A decoder of one gzip stream (its header, CRC-32 and length checked)."""
    decoder: Decompressor = _module.decompressobj(16 + 15)
    return decoder


def crc32(data: bytes, value: int = 0) -> int:
    """CRC-32 as zip computes it (ISA-L's is several times faster than zlib's)."""
    result: int = _module.crc32(data, value)
    return result
