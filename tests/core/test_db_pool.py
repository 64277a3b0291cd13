"""Database connections under ASGI: when each request ran in a thread of its own, connections kept
per thread grew with the crowd until PostgreSQL refused more ("too many clients already"). The
pool bounds them per process, whatever the number of requests at once. On SQLite, where a
connection is a file handle, each of the web server's request threads keeps its own."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from envol.core.config import CONFIG
from envol.core.settings import _database
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


# Prepared statements (decision 0030): on PostgreSQL, what a connection runs again and again is
# parsed and planned once. `_database` is pure over the environment, so both cases run anywhere.


@pytest.mark.parametrize(("threshold", "prepared"), [("", 5), ("1", 1), ("0", None)])
def test_postgresql_prepares_repeated_statements_unless_turned_off(
    monkeypatch: pytest.MonkeyPatch, threshold: str, prepared: int | None
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://envol@db.example/envol")
    monkeypatch.setenv("ENVOL_DB_PREPARE_THRESHOLD", threshold)
    options = _database()["OPTIONS"]
    assert options.get("prepare_threshold") == prepared
    # Server-side binding is what lets psycopg prepare; off, Django's own text binding stays.
    assert options.get("server_side_binding", False) is (prepared is not None)


def test_sqlite_has_no_prepare_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert "prepare_threshold" not in _database()["OPTIONS"]


def test_a_statement_run_again_and_again_is_prepared_on_the_server() -> None:
    sql = "SELECT COUNT(*) FROM registry_person WHERE id > %s"
    with connection.cursor() as cursor:
        for n in range(CONFIG.db_prepare_threshold + 1):
            cursor.execute(sql, [n])
            assert cursor.fetchone() == (0,)
        if connection.vendor != "postgresql":
            # SQLite keeps its own cache of compiled statements per connection; nothing to set.
            assert "prepare_threshold" not in settings.DATABASES["default"]["OPTIONS"]
            return
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert "SELECT COUNT(*) FROM registry_person WHERE id > $1" in prepared
