"""A larger SQLite page cache for one bulk operation (SQLite's default is 2 MiB per connection).

Loading ten million edges, or joining every person's list against the accounts, touches B-tree
pages far beyond 2 MiB; re-reading them from the operating system's cache dominates. The size is
restored afterwards, so the connection's ordinary requests keep the small default.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

BULK_CACHE_KIB = 64 * 1024


@contextmanager
def larger_page_cache(kib: int = BULK_CACHE_KIB) -> Iterator[None]:
    """On SQLite, ``kib`` KiB of page cache for the duration; on other databases, nothing."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    previous = int(raw.execute("PRAGMA cache_size").fetchone()[0])
    raw.execute(f"PRAGMA cache_size = -{int(kib)}")  # negative: a size in KiB, not in pages
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size = {previous}")
