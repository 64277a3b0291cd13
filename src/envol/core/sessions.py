"""Django's database sessions, with the read every signed-in request makes written out.

Same table, same rows, same expiry as `django.contrib.sessions.backends.db`: only the lookup of a
session by its key is one plain statement instead of a queryset compiled on each request, which
cost more CPU than the lookup itself on the pages a signed-in crowd reloads ("Your people",
bench/load.py; docs/performance.md).
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> AbstractBaseSession | None:
        connection = connections[router.db_for_read(self.model)]
        table = connection.ops.quote_name(self.model._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        sql = f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s"  # noqa: S608 (quoted name only)
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django's: an unknown or expired key starts a new session
            return None
        return self.model(session_key=str(self.session_key), session_data=row[0])
