"""How many requests one web process runs at once, and the waits that do not count.

A web process that runs its page requests all at once, one thread each, spends far more CPU per
page than one that runs them a few at a time: measured in-process with 25 requests in flight on
SQLite, 13–15 ms per signed-in page against 4–5 ms (docs/performance.md, decision 0028). So each
request's thread takes one of a few *slots* (``ENVOL_REQUESTS_AT_ONCE``) before it runs Django's
middleware and view, and the others wait their turn in order.

A slot is for running Python on this machine's cores. A request gives its slot up while it waits
for something else, so that a slow server elsewhere never stalls the pages of everyone else:
another server (``platforms.http``), the mail server (``core.mail``), while it reads an upload,
which has its own bound (``archive.slots``), or while a statement of its may wait for another
connection's lock for long (``outside_the_slot``, SQLite's write lock). Outside the web server's
request threads (workers, commands, tests through Django's client) no slot is held and all of this
does nothing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import OperationalError

_held = threading.local()


class Slots:
    """One web process's slots: ``running`` around a request, taken by the handler's threads in the
    order they asked.

    Handed over, not put back: a freed slot goes straight to the longest waiter. With a plain
    `threading.Semaphore`, the thread that had just freed one took its next request from the pool's
    queue and its slot back before the woken waiter ran, and the waiter, beaten, queued again at
    the end: under a steady crowd two threads kept both slots and the requests on the other six
    waited until the crowd thinned (in the load benchmark, 9 of 50 clients had one page answered in
    12 seconds, another waited 10 seconds for one; decision 0028)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._lock = threading.Lock()
        self._free = count
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by `release`, which hands this thread the slot

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._free += 1

    @contextmanager
    def running(self) -> Iterator[None]:
        self.acquire()
        _held.slots = self
        try:
            yield
        finally:
            _held.slots = None
            self.release()


@contextmanager
def waiting() -> Iterator[None]:
    """Around a wait that does not use this machine's CPU: the slot is free meanwhile, and taken
    again (in turn) before the request goes on."""
    slots: Slots | None = getattr(_held, "slots", None)
    if slots is None:
        yield
        return
    _held.slots = None
    slots.release()
    try:
        yield
    finally:
        slots.acquire()
        _held.slots = slots


def holding() -> bool:
    """Whether this thread holds a slot now (for tests and assertions)."""
    return getattr(_held, "slots", None) is not None


#: How long a SQLite write waits for the database's write lock while keeping its slot: another
#: page's commit takes milliseconds; an upload storing millions of followers holds it for seconds.
SHORT_LOCK_WAIT_MS = 100
#: The statements that take SQLite's write lock when no transaction holds it yet.
_WRITES = ("BEGIN", "INSERT", "UPDATE", "DELETE", "REPLACE")


def outside_the_slot(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """Django execute wrapper on SQLite connections (`wrap_sqlite_writes`): a write that finds the database's
    write lock taken for long waits for it with the slot given up. Two such requests waiting while a
    multi-million upload is stored would otherwise hold both slots, and the process would serve no
    page until the upload ends.

    The write first waits up to SHORT_LOCK_WAIT_MS keeping its slot, as before: giving the slot up
    for every wait was measured to halve the review page's throughput (decision 0028), since
    SQLite's busy handler polls by sleeping, so sixteen threads polling, and the lock's new holder
    waiting for a slot, left the lock idle between transactions. Only past that does it give the
    slot up and wait the rest of the connection's timeout; the lock's holder may then wait for a
    slot, but nothing holding a slot waits for that lock for long. Inside a transaction the lock is
    already held: its writes go on."""
    if getattr(_held, "slots", None) is None:
        return execute(sql, params, many, context)
    connection = context["connection"]
    head = sql.lstrip()[:7].upper()
    if not head.startswith(_WRITES) or (connection.in_atomic_block and not head.startswith("BEGIN")):
        return execute(sql, params, many, context)
    raw = connection.connection
    raw.execute(f"PRAGMA busy_timeout = {SHORT_LOCK_WAIT_MS}")
    try:
        return execute(sql, params, many, context)
    except OperationalError as error:
        if "locked" not in str(error):
            raise  # not a lock taken: as it is
    finally:
        timeout = float(connection.settings_dict["OPTIONS"].get("timeout", 5))
        raw.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    with waiting():  # the statement did not run (SQLite refused it whole): it is run again
        return execute(sql, params, many, context)


def wrap_sqlite_writes(connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: ``outside_the_slot`` on a SQLite connection, once, outermost
    (first in the list: Django's `execute_wrapper` blocks remove the last one when they end).
    PostgreSQL's writes rarely wait for long (a big import writes its own partition): they keep
    their slot."""
    if connection.vendor == "sqlite" and outside_the_slot not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, outside_the_slot)
