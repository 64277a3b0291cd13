"""Draw Envol's favicon (a white chevron taking off, on the site's blue) as an ICO file holding
16, 32 and 48 px PNG images, with no imaging library:

    uv run python scripts/favicon.py src/envol/core/static/envol/favicon.ico
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

BLUE = (0x1F, 0x4F, 0xBF, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)
CORNER = 0.18  # radius of the rounded corners, as a fraction of the side
STROKE = 0.11  # half the chevron's thickness
CHEVRON = ((0.22, 0.70, 0.50, 0.30), (0.50, 0.30, 0.78, 0.70))  # two segments, (x0, y0, x1, y1)
SIZES = (16, 32, 48)


def _near_segment(u: float, v: float, segment: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = segment
    dx, dy = x1 - x0, y1 - y0
    k = max(0.0, min(1.0, ((u - x0) * dx + (v - y0) * dy) / (dx * dx + dy * dy)))
    return (u - x0 - k * dx) ** 2 + (v - y0 - k * dy) ** 2 <= STROKE * STROKE


def pixel(x: int, y: int, size: int) -> tuple[int, int, int, int]:
    u, v = (x + 0.5) / size, (y + 0.5) / size
    cx, cy = min(max(u, CORNER), 1 - CORNER), min(max(v, CORNER), 1 - CORNER)
    if (u - cx) ** 2 + (v - cy) ** 2 > CORNER * CORNER:
        return CLEAR
    return WHITE if any(_near_segment(u, v, s) for s in CHEVRON) else BLUE


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(size: int) -> bytes:
    rows = (b"\0" + b"".join(bytes(pixel(x, y, size)) for x in range(size)) for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + (_chunk(b"IEND", b""))
    )


def ico(sizes: tuple[int, ...] = SIZES) -> bytes:
    images = [png(size) for size in sizes]
    offset = 6 + 16 * len(images)
    entries = b""
    for size, data in zip(sizes, images, strict=True):
        entries += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return struct.pack("<HHH", 0, 1, len(images)) + entries + b"".join(images)


if __name__ == "__main__":
    Path(sys.argv[1]).write_bytes(ico())
