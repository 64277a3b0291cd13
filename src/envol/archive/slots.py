"""How many uploads one process reads at once (``ENVOL_UPLOAD_CONCURRENCY``, #16 item 7).

Reading and storing a big list takes memory (8 bytes per id, some 250 MB for 10 million) and a core
for seconds: without a bound, a burst of uploads, honest or not, takes the process down. A request
that finds every slot taken is answered at once (503, try again), never queued: a waiting request
would hold its upload on disk and its connection open meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from envol.archive.errors import ArchiveError
from envol.core import requestslots
from envol.core.config import CONFIG

#: Seconds a refused client is told to wait before trying again.
RETRY_AFTER = 30

_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


class BusyError(ArchiveError):
    """Every upload slot of this process is taken: try again shortly."""

    code: ClassVar[str] = "busy"


def _semaphore() -> threading.BoundedSemaphore:
    global _slots
    size = max(1, CONFIG.upload_concurrency)
    with _lock:
        if _slots is None or _slots[0] != size:  # (a test may change the setting)
            _slots = (size, threading.BoundedSemaphore(size))
        return _slots[1]


@contextmanager
def reading_slot(label: str) -> Iterator[None]:
    """Hold one of the process's upload slots for the block, or raise BusyError at once."""
    semaphore = _semaphore()
    if not semaphore.acquire(blocking=False):
        raise BusyError(label, "Envol is reading other uploads right now; try again in a moment.")
    try:
        # Uploads have this bound of their own: reading one (seconds of work, mostly outside
        # Python) does not take one of the few slots the process's pages run in.
        with requestslots.waiting():
            yield
    finally:
        semaphore.release()
