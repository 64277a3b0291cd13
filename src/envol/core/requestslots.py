"""How many requests one web process runs at once, and the waits that do not count.

A web process that runs its page requests all at once, one thread each, spends far more CPU per
page than one that runs them a few at a time: measured in-process with 25 requests in flight on
SQLite, 13–15 ms per signed-in page against 4–5 ms (docs/performance.md, decision 0028). So each
request's thread takes one of a few *slots* (``ENVOL_REQUESTS_AT_ONCE``) before it runs Django's
middleware and view, and the others wait their turn in order.

A slot is for running Python on this machine's cores. A request gives its slot up while it waits
for something else, so that a slow server elsewhere never stalls the pages of everyone else:
another server (``platforms.http``), the mail server (``core.mail``), or while it reads an upload,
which has its own bound (``archive.slots``). Outside the web server's request threads (workers,
commands, tests through Django's client) no slot is held and both context managers do nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_held = threading.local()


class Slots:
    """One web process's slots: ``running`` around a request, taken by the handler's threads."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._semaphore = threading.Semaphore(count)

    @contextmanager
    def running(self) -> Iterator[None]:
        with self._semaphore:
            _held.slots = self
            try:
                yield
            finally:
                _held.slots = None


@contextmanager
def waiting() -> Iterator[None]:
    """Around a wait that does not use this machine's CPU: the slot is free meanwhile, and taken
    again (in turn) before the request goes on."""
    slots: Slots | None = getattr(_held, "slots", None)
    if slots is None:
        yield
        return
    _held.slots = None
    slots._semaphore.release()
    try:
        yield
    finally:
        slots._semaphore.acquire()
        _held.slots = slots


def holding() -> bool:
    """Whether this thread holds a slot now (for tests and assertions)."""
    return getattr(_held, "slots", None) is not None
