"""Writing millions of edges at once: binary COPY on PostgreSQL, INSERT … SELECT json_each on SQLite.

Callers pass pseudonyms sorted ascending, so inserts append to the B-trees (the x_key index on both
engines, and the primary key that is SQLite's table) instead of landing at random places in them.
On PostgreSQL a big import goes to a partition of its own, indexed once loaded (graph.partitions).
Runs inside the caller's transaction: nothing is visible until the whole import commits.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from envol.core.sqlite_cache import larger_page_cache
from envol.graph import partitions
from envol.graph.models import Edge

ROWS_PER_BATCH = 1 << 20
# Each statement's keys exist three times at once (Python ints, a list, the JSON text): keep it small.
SQLITE_ROWS_PER_STATEMENT = 1 << 18
# SQLite's page cache while loading, in KiB. Sorted keys append to both B-trees, so only their right
# edges are hot: 4 M rows took the same CPU time with 2, 8, 32 or 64 MiB (into an empty table or one
# holding 2 M other rows, 2026-12-06), and every MiB of it is a MiB of peak memory.
SQLITE_LOAD_CACHE_KIB = 16 * 1024

# PostgreSQL's binary COPY row: field count, then (length, big-endian value) per column.
_COPY_ROW = np.dtype(
    [("fields", ">i2"), ("l1", ">i4"), ("import", ">i8"), ("l2", ">i4"), ("direction", ">i2"),
     ("l3", ">i4"), ("x_key", ">i8")]
)  # fmt: skip
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


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


def store_edges(import_id: int, lists: Mapping[int, NDArray[np.int64]]) -> None:
    """Store one edge per distinct key of each direction's list; every list must be sorted (repeats
    are allowed). An import whose id `partitions.reserve_import_id` gave gets its own partition."""
    if connection.vendor != "postgresql":
        for direction, keys in lists.items():
            _sqlite_insert(import_id, direction, keys)
        return
    fast_commit()
    if not partitions.own_partition(import_id):
        for direction, keys in lists.items():
            _copy(partitions.SHARED, import_id, direction, keys, freeze=False)
        return
    table = partitions.create_partition(import_id)
    for direction, keys in lists.items():
        # The table is new in this transaction: its rows can be written frozen, so no later reader
        # or vacuum rewrites every page to set hint bits.
        _copy(table, import_id, direction, keys, freeze=True)
    partitions.index_partition(import_id)
    partitions.attach_partition(import_id)


def fast_commit() -> None:
    """An import can be redone by its owner: not waiting for the WAL flush at commit is worth the
    tiny window in which a server crash could lose a just-committed import (never corrupt it).
    Only the import's transaction is concerned (SET LOCAL). See decision 0003."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def copy_rows(import_id: int, direction: int, keys: NDArray[np.int64]) -> NDArray[np.void]:
    """Binary COPY rows for these keys, built by NumPy (Python never touches a row)."""
    rows = np.empty(len(keys), dtype=_COPY_ROW)
    rows["fields"], rows["l1"], rows["import"] = 3, 8, import_id
    rows["l2"], rows["direction"], rows["l3"] = 2, direction, 8
    rows["x_key"] = keys
    return rows


def _copy(table: str, import_id: int, direction: int, keys: NDArray[np.int64], *, freeze: bool) -> None:
    options = "FORMAT BINARY, FREEZE" if freeze else "FORMAT BINARY"
    sql = f'COPY "{table}" (archive_import_id, direction, x_key) FROM STDIN ({options})'
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(COPY_HEADER)
        for chunk in distinct_batches(keys, ROWS_PER_BATCH):
            copy.write(copy_rows(import_id, direction, chunk).tobytes())
        copy.write(COPY_TRAILER)


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
    # A page cache above the default 2 MiB, but small: see SQLITE_LOAD_CACHE_KIB.
    with larger_page_cache(SQLITE_LOAD_CACHE_KIB):
        raw = connection.connection
        for text in _json_ahead(distinct_batches(keys, SQLITE_ROWS_PER_STATEMENT)):
            raw.execute(sql, (import_id, direction, text))
