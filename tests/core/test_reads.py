"""`core.reads.fetch_all` sends independent reads together: each read's value, in order, as one at a
time gives it, on both databases; on PostgreSQL every statement goes in one pipeline; a failing
statement raises Django's error and leaves the connection serving."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection
from psycopg.pq import PipelineStatus

from envol.core import reads
from envol.registry.models import Person

pytestmark = pytest.mark.django_db
POSTGRES = "postgresql"


def _table() -> str:
    return connection.ops.quote_name(Person._meta.db_table)


def _count(findable_by: str) -> reads.Read[int]:
    sql = f"SELECT COUNT(*) FROM {_table()} WHERE findable_by = %s"  # noqa: S608 (quoted name only)
    return reads.Read(sql, [findable_by], lambda rows: int(rows[0][0]))


def _ids(findable_by: str) -> reads.Read[list[int]]:
    sql = f"SELECT id FROM {_table()} WHERE findable_by = %s ORDER BY id"  # noqa: S608 (quoted name only)
    return reads.Read(sql, [findable_by], lambda rows: [int(r[0]) for r in rows])


def _people() -> list[Person]:
    return [Person.objects.create(findable_by=who) for who in ("everyone", "everyone", "nobody")]


def test_each_read_gets_its_own_rows_in_the_order_given() -> None:
    everyone, other, nobody = _people()
    batch = [_count("everyone"), _ids("everyone"), _count("nobody"), _ids("nobody"), _ids("no such")]
    expected: list[Any] = [2, [everyone.pk, other.pk], 1, [nobody.pk], []]
    assert reads.fetch_all(*batch) == expected
    assert [reads.fetch(read) for read in batch] == expected


def test_on_postgresql_the_statements_go_in_one_pipeline() -> None:
    nobody = _people()[2]
    statuses: list[PipelineStatus | None] = []

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        postgres = connection.vendor == POSTGRES
        statuses.append(connection.connection.pgconn.pipeline_status if postgres else None)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        assert reads.fetch_all(_count("everyone"), _count("nobody"), _ids("nobody")) == [2, 1, [nobody.pk]]
    expected = PipelineStatus.ON if connection.vendor == POSTGRES else None
    assert statuses == [expected] * 3  # SQLite: the same three statements, one after the other
    statuses.clear()
    with connection.execute_wrapper(spy):
        reads.fetch(_count("everyone"))
    assert statuses == [PipelineStatus.OFF if connection.vendor == POSTGRES else None]


@pytest.mark.django_db(transaction=True)
def test_a_failing_statement_raises_django_s_error_and_the_connection_still_serves() -> None:
    _people()
    broken: reads.Read[list[Any]] = reads.Read("SELECT no_such_column FROM no_such_table", [], list)
    with pytest.raises(DatabaseError):
        reads.fetch_all(_count("everyone"), broken, _count("nobody"))
    assert reads.fetch_all(_count("everyone"), _count("nobody")) == [2, 1]
