"""Inflate the next blocks of a list in a thread while the caller scans the current one.

Both the inflater (ISA-L or zlib) and the scanner's NumPy passes release the GIL, so on two cores
the two overlap: the list is read in about the time of the slower of the two instead of their sum.
Memory stays bounded: at most ``AHEAD`` blocks wait in the queue. Whatever the inner reader raises
(a zip bomb, damage) is raised again in the caller's thread at the point where its data would have
come, so checks happen in the same order as without the thread.

Stage timings: the thread charges nothing to the caller's clock (a clock belongs to one thread);
the time the caller spends waiting for a block is charged to "inflate", so the stages still add up
to the wall time, and the thread's own busy time is added as "inflate_thread" for information.
"""

from __future__ import annotations

import threading
import time
from queue import Full, Queue

from envol.archive.base import ByteReader
from envol.core.stages import current_clock, stage

#: Blocks inflated ahead of the scanner (each the size the scanner asks for, 8 MiB by default).
AHEAD = 2


class _End:
    """Marks the end of the data, or carries the error that ended it."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class ReadAhead:
    def __init__(self, inner: ByteReader, block: int) -> None:
        self._inner, self._block = inner, block
        self._queue: Queue[bytes | _End] = Queue(maxsize=AHEAD)
        self._pending = b""
        self._ended: _End | None = None
        self._stop = threading.Event()
        self._busy = 0.0
        self._clock = current_clock()
        self._thread = threading.Thread(target=self._fill, name="envol-inflate", daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        started = time.thread_time()
        try:
            while not self._stop.is_set():
                data = self._inner.read(self._block)
                if not data:
                    self._put(_End())
                    return
                self._put(data)
        except BaseException as error:  # handed over to the caller's thread
            self._put(_End(error))
        finally:
            self._busy = time.thread_time() - started  # CPU time: waiting for room is not work

    def _put(self, item: bytes | _End) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except Full:  # look at the stop flag again
                continue

    def read(self, size: int, /) -> bytes:
        """At most ``size`` bytes, fewer when the block in hand ends first (b"" at the end). A whole
        block is handed over as it is: joining a block's rest to the next one, as a read of exactly
        ``size`` bytes would, copied 24 MiB per 8 MiB read once a list file's head had been read."""
        if not self._pending:
            if self._ended is None:
                with stage("inflate"):  # the caller waits for the inflating thread
                    item = self._queue.get()
                if isinstance(item, _End):
                    self._ended = item
                else:
                    self._pending = item
            if self._ended is not None:
                if self._ended.error is not None:
                    raise self._ended.error
                return b""
        data = self._pending
        if len(data) <= size:  # the usual case: one whole block, handed over without a copy
            self._pending = b""
            return data
        self._pending = data[size:]
        return data[:size]

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            while not self._queue.empty():
                self._queue.get_nowait()
            self._thread.join(timeout=0.05)
        if self._clock is not None:
            self._clock.seconds["inflate_thread"] = (
                self._clock.seconds.get("inflate_thread", 0.0) + self._busy
            )
        self._inner.close()
