"""Django's cache, where the rate-limit counters live.

Local memory is right for the embedded default (one process serves everything); several web
processes must share their counters, so on PostgreSQL the cache is a database table, created by
`envol migrate`. ENVOL_CACHE chooses explicitly. Expired entries are deleted, not merely ignored:
the rate-limit counters are keyed by hashed client addresses, and nothing about a client may
outlive its window (`purge_expired`, run by the web processes and by a periodic task,
`envol.core.tasks`).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

from django.core.cache import BaseCache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.db import connections, router
from django.utils import timezone

CACHE_TABLE = "envol_cache"
PURGE_INTERVAL_SECONDS = 60.0  # web processes purge at most this often


def cache_config(choice: str, database_engine: str) -> dict[str, Any]:
    """CACHES["default"] for ENVOL_CACHE (`memory`, `database`, or empty: database on PostgreSQL)."""
    if choice not in {"", "memory", "database"}:
        raise ValueError(f"ENVOL_CACHE is `memory` or `database`, not {choice!r}")
    shared = choice == "database" or (choice == "" and "postgresql" in database_engine)
    if shared:
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "envol"}


def create_cache_table(**_: object) -> None:
    """After `migrate` (a post_migrate receiver): create the table when the cache is a database
    table. Idempotent, as `createcachetable` is."""
    if isinstance(caches["default"], DatabaseCache):
        call_command("createcachetable", verbosity=0)


def purge_expired(cache: BaseCache, now: float | None = None) -> int:
    """Delete every entry whose time is up (`now`: Unix seconds, for tests); how many went.
    Memory and database caches otherwise keep expired entries until they are read again or the
    cache is full. Caches that expire entries themselves (Redis, Memcached) need nothing."""
    moment = time.time() if now is None else now
    if isinstance(cache, DatabaseCache):
        return _purge_table(cache, moment)
    if isinstance(cache, LocMemCache):
        return _purge_memory(cache, moment)
    return 0


def _purge_table(cache: DatabaseCache, moment: float) -> int:
    db = router.db_for_write(cache.cache_model_class)
    connection = connections[db]
    table = connection.ops.quote_name(cache._table)  # type: ignore[attr-defined]  # Django's own table name
    expires = connection.ops.quote_name("expires")
    cutoff = datetime.fromtimestamp(moment, tz=UTC)
    if not timezone.is_aware(timezone.now()):
        cutoff = cutoff.replace(tzinfo=None)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {expires} < %s",  # noqa: S608  # both names quoted by Django
            [connection.ops.adapt_datetimefield_value(cutoff)],
        )
        deleted: int = cursor.rowcount
    return max(deleted, 0)


def _purge_memory(cache: LocMemCache, moment: float) -> int:
    # LocMemCache has no public "delete what expired"; its expiry table is the only way to find them.
    lock: threading.Lock = cache._lock  # type: ignore[attr-defined]
    expire_info: dict[str, float | None] = cache._expire_info  # type: ignore[attr-defined]
    with lock:
        due = [key for key, expiry in expire_info.items() if expiry is not None and expiry <= moment]
        for key in due:
            cache._delete(key)  # type: ignore[attr-defined]
    return len(due)


class PurgeClock:
    """Lets a web process purge at most once per PURGE_INTERVAL_SECONDS."""

    def __init__(self) -> None:
        self._next = 0.0
        self._lock = threading.Lock()

    def due(self, now: float) -> bool:
        with self._lock:
            if now < self._next:
                return False
            self._next = now + PURGE_INTERVAL_SECONDS
            return True
