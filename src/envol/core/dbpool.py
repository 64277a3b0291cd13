"""How psycopg's pool makes sure a PostgreSQL connection still works before lending it to a request.

psycopg's own check (the pool's default with `CONN_HEALTH_CHECKS`) sends an empty statement and
waits for the answer on every loan: a round trip per request, 114 µs of CPU and 187 µs of wall
time measured apart, 0.2 ms of Envol's CPU per "Your people" page in process (docs/performance.md).
Here the server is asked only when the connection's socket says something happened while it sat
in the pool.

Why the socket tells: an idle connection in the pool has nothing to read unless the server sent
something on its own, and what it sends on its own is nearly always its last word. When a server
stops or restarts, when an administrator ends a backend (`pg_terminate_backend`), when it reaps an
idle session (`idle_session_timeout`) or recovers from a crashed backend, it writes an error and
closes the connection, or the kernel closes it: either way the socket becomes readable, and then
psycopg's full check runs, fails, and the pool opens a new connection instead. What the socket
cannot tell is a network that died silently between two machines; the empty statement would then
hang too, and the request's own statement fails instead (Django closes a connection that failed,
and the pool drops it). See decision 0033.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

_NEWS = select.POLLIN | select.POLLPRI  # POLLHUP and POLLERR are reported whatever is asked


def has_news(fd: int) -> bool:
    """Whether something arrived on this socket (data, an end, an error), without waiting."""
    poll = select.poll()
    poll.register(fd, _NEWS)
    return bool(poll.poll(0))


def check_connection(conn: psycopg.Connection[Any]) -> None:
    """The pool's `check`: raise when the connection cannot serve, quietly return when it can."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    if has_news(conn.fileno()):
        ConnectionPool.check_connection(conn)  # reads what came; raises when it was an end
