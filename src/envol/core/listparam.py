"""Filtering on a Python list of any length bound as ONE SQL parameter.

`Q(pk__in=ids)` binds one variable per id: SQLite's default build refuses a statement with more
than 32,766 of them, so a person with tens of thousands of targets (a newsroom) would fail. Here
the whole list travels as one value that the database unpacks itself: a JSON array read by
`json_each` on SQLite, an array on PostgreSQL. Use it wherever a list's length is not bounded by a
page or a batch size:

    FollowTask.objects.filter(ids_in("pk", ids))
    transitions.move(mine & ~texts_in("target_id", chosen), ...)

On PostgreSQL the test is `= ANY(array)`, not `IN (SELECT unnest(array))`: the latter is planned
as a join, and right after a big insert (statistics not gathered yet) the planner expects a row or
two and picks a nested loop, quadratic in fact (minutes for 40,000 targets). `= ANY` of a constant
array is evaluated with a hash table whatever the statistics say (PostgreSQL 14+); the array is a
constant because psycopg binds client-side (Django's default, which envol.core.settings keeps).
SQLite evaluates an uncorrelated `IN (SELECT …)` once into a temporary index.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Lookup, Q
from django.db.models.sql.compiler import SQLCompiler


class InList(Lookup[Any]):
    """`lhs` is one of `values`; the list is a single parameter on every engine."""

    lookup_name = "in_list"
    prepare_rhs = False

    def __init__(self, lhs: Any, values: list[Any], sql_type: str) -> None:
        self.sql_type = sql_type  # PostgreSQL element type of the array: "bigint" or "text"
        super().__init__(lhs, values)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        lhs, params = self.process_lhs(compiler, connection)
        # Only the compiled column and a fixed type name are formatted in; the values are a parameter.
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::{self.sql_type}[])", (*params, self.rhs)
        return f"{lhs} IN (SELECT value FROM json_each(%s))", (*params, json.dumps(self.rhs))  # noqa: S608


def ids_in(field: str, values: Iterable[int]) -> Q:
    """`field` is one of these integers (primary keys, person or account ids)."""
    return Q(InList(F(field), [int(v) for v in values], "bigint"))


def texts_in(field: str, values: Iterable[str]) -> Q:
    """`field` is one of these strings (DIDs, actor URIs, `user@domain` addresses)."""
    return Q(InList(F(field), [str(v) for v in values], "text"))
