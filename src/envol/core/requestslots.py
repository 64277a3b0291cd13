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
connection's lock (``outside_the_slot``, on every database connection). Outside the web server's
request threads (workers, commands, tests through Django's client) no slot is held and all of this
does nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

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


#: Statements that may wait for a lock another connection holds: SQLite's `BEGIN IMMEDIATE` (the
#: database's one write lock, held by a big import for seconds), and writes, which wait for it too
#: in autocommit on SQLite and for rows or tables on PostgreSQL. Reads never wait for writers there
#: (SQLite's WAL, PostgreSQL's snapshots).
_MAY_WAIT = ("BEGIN", "INSERT", "UPDATE", "DELETE", "REPLACE")


def outside_the_slot(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """Django execute wrapper (installed on every connection, `envol.core.apps`): a statement that may
    wait for another connection's lock runs with the slot given up. Two such requests waiting while
    a multi-million upload is stored would otherwise hold both slots, and the process would serve
    no page until the upload ends.

    A lock holder may then wait for a slot, never the reverse: every statement that may wait for a
    lock gives its slot up first, so the requests holding slots meanwhile finish without it. Inside
    a SQLite transaction the write lock is already held: its writes keep the slot."""
    if getattr(_held, "slots", None) is None:
        return execute(sql, params, many, context)
    head = sql.lstrip()[:7].upper()
    connection = context["connection"]
    if not head.startswith(_MAY_WAIT) and " FOR UPDATE" not in sql.upper():
        return execute(sql, params, many, context)
    if connection.vendor == "sqlite" and connection.in_atomic_block and not head.startswith("BEGIN"):
        return execute(sql, params, many, context)
    with waiting():
        return execute(sql, params, many, context)


def install(connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: ``outside_the_slot`` on the connection, once, outermost (first
    in the list: Django's `execute_wrapper` blocks remove the last one when they end)."""
    if outside_the_slot not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, outside_the_slot)
