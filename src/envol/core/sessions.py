"""Django's database sessions, with the read every signed-in request makes written out.

Same table, same rows, same expiry as `django.contrib.sessions.backends.db`: only the lookup of a
session by its key is one plain statement instead of a queryset compiled on each request, which
cost more CPU than the lookup itself on the pages a signed-in crowd reloads ("Your people",
bench/load.py; docs/performance.md). The lookup is a `Read` (`session_read`), so that a page can
send it together with its own reads (`core.prefetch`) and hand the row to the session (`prime`).
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from envol.core import reads


def session_read(session_key: str) -> reads.Read[str | None]:
    """The encoded data of the live session with this key; None for an unknown or expired key."""
    table = connection.ops.quote_name(Session._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s"  # noqa: S608 (quoted name only)
    return reads.Read(sql, [session_key, now], _data_of)


def _data_of(found: reads.Rows) -> str | None:
    return str(found[0][0]) if found else None


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> AbstractBaseSession | None:
        data = reads.fetch(session_read(str(self.session_key)))
        if data is None:
            self._session_key = None  # as Django's: an unknown or expired key starts a new session
            return None
        return self.model(session_key=str(self.session_key), session_data=data)

    def prime(self, data: str | None) -> None:
        """What `load` would have read, read elsewhere with `session_read` for this store's key:
        the session is then not read again."""
        if data is None:
            self._session_key = None
            self._session_cache = {}
        else:
            self._session_cache = self.decode(data)
