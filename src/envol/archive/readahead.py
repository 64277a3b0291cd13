"""Inflate the next piece of a list file in a thread while the caller scans the current one.

Scanning (one regex pass, counts, int conversion) holds the GIL; inflating and checksumming do not
(zlib releases it for large buffers), so on two cores the two overlap and inflation mostly vanishes
from the wall time. At most ``depth`` pieces wait ahead of the caller, so memory stays bounded.
"""

from __future__ import annotations

import queue
import threading

from envol.archive.base import ByteReader

_POLL_SECONDS = 0.1  # how often a blocked producer looks whether the reader was closed


class _End:
    """Put after the last piece (or with the error that stopped the producer)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class ReadAhead:
    """A ByteReader over ``reader`` whose pieces of ``piece_bytes`` are read in a background thread.

    ``read(size)`` returns at most ``size`` bytes and fewer only when fewer are pending or at the
    end (empty then), like a raw file; errors of the underlying reader are raised by ``read`` in
    the caller's thread, in order. ``close`` stops the thread and waits for it, so the underlying
    reader (and the zip file handle it shares) is never used by two threads at once.
    """

    def __init__(self, reader: ByteReader, piece_bytes: int, *, depth: int = 1) -> None:
        self._reader, self._piece_bytes = reader, piece_bytes
        self._pieces: queue.Queue[bytes | _End] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._pending, self._offset = b"", 0
        self._ended: _End | None = None
        self._thread = threading.Thread(target=self._produce, name="envol-inflate", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            while not self._stop.is_set():
                piece = self._reader.read(self._piece_bytes)
                if not piece:
                    break
                if not self._put(piece):
                    return
            self._put(_End())
        except BaseException as exc:  # handed to the caller's thread, which raises it
            self._put(_End(exc))

    def _put(self, item: bytes | _End) -> bool:
        while not self._stop.is_set():
            try:
                self._pieces.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def read(self, size: int, /) -> bytes:
        if self._offset >= len(self._pending) and self._ended is None:
            item = self._pieces.get()
            if isinstance(item, _End):
                self._ended = item
            else:
                self._pending, self._offset = item, 0
        if self._offset >= len(self._pending):
            if self._ended is not None and self._ended.error is not None:
                raise self._ended.error
            return b""
        if self._offset == 0 and len(self._pending) <= size:  # the common case: no copy
            piece, self._pending = self._pending, b""
            return piece
        piece = self._pending[self._offset : self._offset + size]
        self._offset += len(piece)
        return piece

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._reader.close()
