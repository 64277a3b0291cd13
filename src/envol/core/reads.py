"""Several independent reads of one request, sent to the database together.

A page that a signed-in crowd reloads ("Your people", bench/load.py) reads five things that do not
depend on each other. One after the other, each is a round trip: the statement is sent, the thread
waits, the database wakes, answers and waits again. On PostgreSQL, psycopg's pipeline mode sends
them all, then reads every answer (decision 0032); SQLite is in the process, with no trip to save,
and runs them in turn. Each read still goes through Django's cursor (its error translation, the
tests' statement counts, prepared statements after `ENVOL_DB_PREPARE_THRESHOLD` uses).

A read is its statement, its parameters and what turns its rows into a value (`Read`); the module
that owns the statement builds it, so that the page only chooses which reads go together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

Rows = list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Read[T]:
    sql: str
    params: Sequence[Any]
    parse: Callable[[Rows], T]


def fetch[T](read: Read[T]) -> T:
    """One read on its own."""
    with connection.cursor() as cursor:
        cursor.execute(read.sql, read.params)
        return read.parse(cursor.fetchall())


def fetch_all(*reads: Read[Any]) -> list[Any]:
    """Each read's value, in order. On PostgreSQL the statements go in one pipeline, within one
    implicit transaction when none is open: they see the same moment of the database."""
    if connection.vendor != "postgresql" or len(reads) < 2:
        return [fetch(read) for read in reads]
    connection.ensure_connection()
    cursors = [connection.cursor() for _ in reads]
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for cursor, read in zip(cursors, reads, strict=True):
                cursor.execute(read.sql, read.params)
        # Leaving the pipeline sent its one synchronisation and received every answer.
        return [read.parse(cursor.fetchall()) for cursor, read in zip(cursors, reads, strict=True)]
    finally:
        for cursor in cursors:
            cursor.close()
