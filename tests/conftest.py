"""Shared fixtures. Tests run on the database that DATABASE_URL names (SQLite when unset)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

# Property tests check rules, not speed (speed is `make bench`'s): Hypothesis's 200 ms deadline per
# example failed them on a loaded 2-core machine, a timing assertion the rules forbid.
hypothesis_settings.register_profile("envol", deadline=None)
hypothesis_settings.load_profile("envol")

pytest_plugins = ["support.atproto_plugin", "fakes.mastodon.fixtures", "fakes.x.fixtures"]

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "one_database: a browser test whose outcome does not depend on the database; it runs on "
        "SQLite only (deselected, not skipped, when DATABASE_URL names another database)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test` runs the suite on SQLite and again on PostgreSQL: the accessibility pages in
    Chromium cost minutes and would find the same, so the second run leaves them out."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    kept = [item for item in items if item.get_closest_marker("one_database") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's test database, and before it drops it on PostgreSQL: the sessions of the
    processes the tests started and stopped (`envol run`'s web processes end without saying goodbye
    to the server, which notices a moment later) are waited for, then ended, so that the drop never
    finds them still there."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock():
        connection.close()
        connection.close_pool()  # type: ignore[attr-defined]  # this process's own idle connections
    params = {**connection.get_connection_params(), "dbname": "postgres"}
    params.pop("cursor_factory", None)
    params.pop("context", None)
    name, others = connection.settings_dict["NAME"], "FROM pg_stat_activity WHERE datname = %s"
    with psycopg.connect(**params, autocommit=True) as admin:
        for _ in range(50):
            left = admin.execute(f"SELECT count(*) {others}", [name]).fetchone()
            if left is not None and left[0] == 0:
                return
            time.sleep(0.1)
        admin.execute(f"SELECT pg_terminate_backend(pid) {others}", [name])


@pytest.fixture
def repo_dir() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def generous_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite signs in and uploads far more often from 127.0.0.1 than any person would, and the
    counters outlive each test; the limits' own tests (tests/core/test_ratelimit*.py) set theirs."""
    monkeypatch.setenv("ENVOL_RATE_LIMIT_SIGN_IN", "1000000/1")
    monkeypatch.setenv("ENVOL_RATE_LIMIT_UPLOAD", "1000000/1")
    monkeypatch.setenv("ENVOL_RATE_LIMIT_MEDIA", "1000000/1")


#: SQLite's compiled-in default for the number of variables in one statement.
SQLITE_DEFAULT_VARIABLE_LIMIT = 32_766


@pytest.fixture
def sqlite_default_limit() -> Iterator[int]:
    """On SQLite, the variable limit of a default build (this machine's build may allow more), so
    that a test with more ids than that shows whether they were bound one variable each. Yields a
    count just above the limit."""
    if connection.vendor != "sqlite":
        yield SQLITE_DEFAULT_VARIABLE_LIMIT + 1
        return
    connection.ensure_connection()
    raw = connection.connection
    before = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, min(before, SQLITE_DEFAULT_VARIABLE_LIMIT))
    yield SQLITE_DEFAULT_VARIABLE_LIMIT + 1
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)
