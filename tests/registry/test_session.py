"""The signed-in person, read once per request by a written-out statement (registry/session.py)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from envol.core import reads
from envol.core.config import CONFIG
from envol.registry.models import Person
from envol.registry.session import person_read

pytestmark = pytest.mark.django_db(transaction=True)  # the column added for good, then dropped


def test_the_person_is_still_read_after_a_migration_adds_a_column() -> None:
    # On PostgreSQL the statement is prepared once it has run a few times (decision 0030); written
    # as `SELECT *`, a prepared statement fails with "cached plan must not change result type" as
    # soon as a migration adds a column under a process that keeps serving (docs/operations.md).
    person = Person.objects.create(findable_by="everyone")
    for _ in range(CONFIG.db_prepare_threshold + 1):
        found = reads.fetch(person_read(person.pk))
        assert found is not None
        assert found.pk == person.pk
    migrate("ALTER TABLE registry_person ADD COLUMN envol_upgrade_test integer")
    try:
        found = reads.fetch(person_read(person.pk))
        assert found is not None
        assert found.pk == person.pk
        assert reads.fetch(person_read(person.pk + 1000)) is None
    finally:
        migrate("ALTER TABLE registry_person DROP COLUMN envol_upgrade_test")


def migrate(statement: str) -> None:
    """Run a schema change as `envol migrate` would: from another session."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:  # SQLite: one file, prepared statements not involved
            cursor.execute(statement)
        return
    params = {
        k: v for k, v in connection.get_connection_params().items() if k not in ("cursor_factory", "context")
    }
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute(statement)
