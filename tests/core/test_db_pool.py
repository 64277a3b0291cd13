"""Database connections under ASGI: when each request ran in a thread of its own, connections kept
per thread grew with the crowd until PostgreSQL refused more ("too many clients already"). The
pool bounds them per process, whatever the number of requests at once. On SQLite, where a
connection is a file handle, each of the web server's request threads keeps its own."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from envol.core.config import CONFIG
from support.asgi import call_many

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("core.urls_pool")]


def test_postgresql_uses_a_bounded_pool_without_persistent_connections() -> None:
    database = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        assert database["CONN_MAX_AGE"] == 0
        assert database["OPTIONS"]["pool"]["max_size"] == CONFIG.db_pool_size
    else:
        assert database["CONN_MAX_AGE"] is None  # kept by each request thread (core.synchandler)
        assert "pool" not in database.get("OPTIONS", {})


def test_a_crowd_of_concurrent_requests_shares_a_few_connections() -> None:
    from envol.core.asgi import application

    crowd = 3 * CONFIG.db_pool_size
    answers = call_many(application, ["/backend/"] * crowd)
    assert [a.status for a in answers] == [200] * crowd
    if connection.vendor == "postgresql":
        # Before the pool: one new connection (a new server process) per request thread.
        backends = {a.text for a in answers}
        assert len(backends) <= settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
