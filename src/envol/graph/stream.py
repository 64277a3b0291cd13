"""A big import copied into its own partition while its archive is still being read (PostgreSQL).

Reading and checking a 10-million-follower archive takes seconds of Python; copying its rows into a
bare table takes seconds of the database server's time. Streaming each chunk of pseudonyms as soon
as it is read lets the two overlap on two cores, so that only the index build is left once the last
id is read. Nothing is visible before the import's transaction commits, and a failure part-way
(a bad archive, a count that disagrees with the manifest) rolls the table back with the rest.

Only the table's rows are written early: the import row, the person's previous import and the
partition's index and attachment all wait for the archive to have been read in full
(`archive.service`). Repeated ids, which the sorted loaders drop, cannot be dropped from a stream:
the final sorted lists tell which keys were repeated, and their extra rows are deleted through the new
index (real lists repeat none or a few; the benchmark's 10 million random ids, about two thousand).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from queue import Queue
from typing import Any

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from envol.graph import partitions
from envol.graph.bulk import COPY_HEADER, COPY_TRAILER, copy_rows, fast_commit

#: Chunks waiting for the server (each some megabytes): a bound keeps memory flat if it lags.
QUEUE_CHUNKS = 4


class _BackgroundWriter:
    """Sends COPY data from a thread of its own, so that the caller goes on reading the archive
    while the server takes the previous chunk (the socket waits release the GIL). It wraps
    psycopg's own writer, imported only here: a process on SQLite never loads the driver (9 MB)."""

    def __init__(self, cursor: Any) -> None:
        # The one import inside a function on purpose: a third-party driver, not a dependency between
        # Envol's packages, and a process on SQLite never loads it.
        from psycopg.copy import LibpqWriter  # noqa: PLC0415

        self._inner = LibpqWriter(cursor)
        self._queue: Queue[bytes | None] = Queue(maxsize=QUEUE_CHUNKS)
        self._failure: BaseException | None = None
        self._thread: threading.Thread | None = None  # started by the first write

    def _drain(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._failure is None:
                try:
                    self._inner.write(data)
                except BaseException as failure:  # re-raised in the caller's thread
                    self._failure = failure

    def write(self, data: Any) -> None:
        if self._failure is not None:
            raise self._failure
        if self._thread is None:
            self._thread = threading.Thread(target=self._drain, name="envol-copy", daemon=True)
            self._thread.start()
        self._queue.put(bytes(data))

    def finish(self, exc: BaseException | None = None) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        if self._failure is not None and exc is None:
            raise self._failure
        self._inner.finish(exc)


class PartitionStream:
    def __init__(self, import_id: int, copy: Any) -> None:
        self.import_id = import_id
        self._copy = copy

    def add(self, direction: int, keys: NDArray[np.int64]) -> None:
        """Queue one chunk of a list's pseudonyms (any order, repeats allowed)."""
        if len(keys):
            self._copy.write(copy_rows(self.import_id, direction, keys).tobytes())


@contextmanager
def streamed_partition(import_id: int) -> Iterator[PartitionStream]:
    """Create the import's table and keep a COPY into it open for the block (in a transaction)."""
    fast_commit()
    table = partitions.create_partition(import_id)
    # Frozen rows: the table is new in this transaction, so no later reader rewrites its pages.
    sql = f'COPY "{table}" (archive_import_id, direction, x_key) FROM STDIN (FORMAT BINARY, FREEZE)'
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(sql, writer=_BackgroundWriter(raw)) as copy:
            copy.write(COPY_HEADER)
            yield PartitionStream(import_id, copy)
            copy.write(COPY_TRAILER)


def finish_streamed(import_id: int, lists: Mapping[int, NDArray[np.int64]]) -> None:
    """Index the streamed table, drop the copies of repeated ids, attach it. ``lists`` are the same
    keys as were streamed, sorted: they tell which keys were repeated (a few, if any)."""
    partitions.index_partition(import_id)
    twice = [keys[1:][keys[1:] == keys[:-1]] for keys in lists.values()]
    repeated = np.unique(np.concatenate([*twice, np.empty(0, dtype=np.int64)]))
    if len(repeated):
        table = partitions.partition_name(import_id)
        with connection.cursor() as cursor:
            # Through the new index, one probe per repeated key: the table has no statistics yet,
            # and the planner's guess for a thousand-value ANY(…) would scan every row instead.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                f'DELETE FROM "{table}" d USING (SELECT ctid, row_number() OVER '  # noqa: S608 (our table)
                f'(PARTITION BY direction, x_key ORDER BY ctid) AS n FROM "{table}" '
                "WHERE x_key = ANY(%s)) r WHERE d.ctid = r.ctid AND r.n > 1",
                [repeated.tolist()],
            )
            cursor.execute("SET LOCAL enable_seqscan = on")
    partitions.attach_partition(import_id)
