"""Writing millions of edges at once: binary COPY on PostgreSQL, INSERT … SELECT json_each on SQLite.

Callers pass pseudonyms sorted ascending, so inserts append to the B-trees (the x_key index on both
engines, and the primary key that is SQLite's table) instead of landing at random places in them.
Runs inside the caller's transaction: nothing is visible until the whole import commits.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from envol.core.sqlite_cache import larger_page_cache
from envol.graph.models import Edge

ROWS_PER_BATCH = 1 << 20
# Each statement's keys exist three times at once (Python ints, a list, the JSON text): keep it small.
SQLITE_ROWS_PER_STATEMENT = 1 << 18

# PostgreSQL's binary COPY row: field count, then (length, big-endian value) per column.
_COPY_ROW = np.dtype(
    [("fields", ">i2"), ("l1", ">i4"), ("import", ">i8"), ("l2", ">i4"), ("direction", ">i2"),
     ("l3", ">i4"), ("x_key", ">i8")]
)  # fmt: skip
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


def distinct_batches(keys: NDArray[np.int64], size: int) -> Iterator[NDArray[np.int64]]:
    """Consecutive slices of sorted ``keys`` with repeats dropped, never copying the whole array
    (a 10-million-key copy would cost 80 MB of peak memory)."""
    previous: np.int64 | None = None
    for start in range(0, len(keys), size):
        chunk = keys[start : start + size]
        keep = np.empty(len(chunk), dtype=bool)
        keep[0] = previous is None or chunk[0] != previous
        np.not_equal(chunk[1:], chunk[:-1], out=keep[1:])
        previous = chunk[-1]
        yield chunk if keep.all() else chunk[keep]


def count_distinct(keys: NDArray[np.int64]) -> int:
    """How many different values sorted ``keys`` hold."""
    return len(keys) - int(np.count_nonzero(keys[1:] == keys[:-1])) if len(keys) else 0


def load_edges(import_id: int, direction: int, keys: NDArray[np.int64]) -> None:
    """Store one edge per distinct key; ``keys`` must be sorted (repeats are allowed)."""
    if connection.vendor == "postgresql":
        _copy(import_id, direction, keys)
    else:
        _sqlite_insert(import_id, direction, keys)


def _copy(import_id: int, direction: int, keys: NDArray[np.int64]) -> None:
    table = Edge._meta.db_table
    sql = f"COPY {table} (archive_import_id, direction, x_key) FROM STDIN (FORMAT BINARY)"
    rows = np.empty(min(len(keys), ROWS_PER_BATCH), dtype=_COPY_ROW)
    rows["fields"], rows["l1"], rows["import"] = 3, 8, import_id
    rows["l2"], rows["direction"], rows["l3"] = 2, direction, 8
    with connection.cursor() as cursor:
        # An import can be redone by its owner: not waiting for the WAL flush at commit is worth
        # the tiny window in which a server crash could lose a just-committed import (never
        # corrupt it). Other transactions keep full durability. See decision 0003.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(_COPY_HEADER)
        for chunk in distinct_batches(keys, ROWS_PER_BATCH):
            batch = rows[: len(chunk)]
            batch["x_key"] = chunk
            copy.write(batch.tobytes())
        copy.write(_COPY_TRAILER)


def _json_ahead(batches: Iterator[NDArray[np.int64]]) -> Iterator[str]:
    """Each batch as a JSON array, the next one encoded in a thread while the caller runs SQLite on
    the current one (SQLite releases the GIL while it works): the two overlap on two cores."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="envol-json") as encoder:
        pending: Future[str] | None = None
        for batch in batches:
            upcoming = encoder.submit(lambda b: json.dumps(b.tolist()), batch)
            if pending is not None:
                yield pending.result()
            pending = upcoming
        if pending is not None:
            yield pending.result()


def _sqlite_insert(import_id: int, direction: int, keys: NDArray[np.int64]) -> None:
    """One INSERT … SELECT per million keys, the keys passed as one JSON array: SQLite unpacks it
    in C (json_each), twice as fast as binding a million parameter tuples from Python."""
    table = Edge._meta.db_table
    sql = f"INSERT INTO {table} (archive_import_id, direction, x_key) SELECT ?, ?, value FROM json_each(?)"  # noqa: S608
    # A larger page cache while loading keeps both B-trees' hot pages in memory.
    with larger_page_cache():
        raw = connection.connection
        for text in _json_ahead(distinct_batches(keys, SQLITE_ROWS_PER_STATEMENT)):
            raw.execute(sql, (import_id, direction, text))
