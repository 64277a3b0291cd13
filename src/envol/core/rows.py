"""A model instance from a row that a written-out statement read, as the ORM would have built it.

The statements a signed-in crowd repeats are written out (decision 0025); `Model.objects.raw`
turns their rows into instances, but sets itself up again on every call (columns, init order,
converters), which cost more CPU than the statement on PostgreSQL. `instance` does only what
that set-up ends in: the database's converters for each column (SQLite's dates and booleans), then
`Model.from_db`, so the instance is the one the ORM would give, and saving it works as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

_Converter = tuple[int, list[Any], Any]  # a column's position, its converters, the column


def _converters(model: type[Model]) -> list[_Converter]:
    table = model._meta.db_table
    found = []
    for i, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((i, converters, column))
    return found


def columns(model: type[Model], alias: str = "") -> str:
    """The select list `instance` reads: the model's concrete columns in their order, quoted, each
    prefixed with ``alias.`` when given. Named, never `*`: a statement prepared on PostgreSQL
    (decision 0030) fails with `*` once a migration adds a column under a serving process."""
    q = connection.ops.quote_name
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{q(str(f.column))}" for f in model._meta.concrete_fields)


def instance[M: Model](model: type[M], row: Sequence[Any]) -> M:
    """The instance of `model` whose concrete fields' columns, in their order (`columns`), are
    `row`'s first values (any further values are the caller's)."""
    fields = model._meta.concrete_fields
    values = list(row[: len(fields)])
    for i, converters, column in _converters(model):
        for convert in converters:
            values[i] = convert(values[i], column, connection)
    return model.from_db(connection.alias, [f.attname for f in fields], values)
