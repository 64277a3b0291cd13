"""Filling the candidate table from empty: one insert, then the table's indexes built once each.

The first computation of everyone's candidates (a new deployment, a database restored without this
derived table) writes about two million rows. Inserted into a table that has its indexes, each row
also writes one entry, and one WAL record, per index, in random order for the target index; built
after the rows are in, each index is one sort that writes its pages whole (docs/performance.md,
"Matching"). On PostgreSQL that includes the primary key (unless another table references it).

Safe only while nobody else reads or writes the rows, hence `claim_empty`:

- PostgreSQL: the table is locked ACCESS EXCLUSIVE until commit, and only then found empty. A reader
  (the review page) or an incremental refresh waits for the commit, then sees every row with every
  index; none sees the table half filled or without its unique key. Dropping and creating indexes
  is transactional: a failure restores them with the empty table.
- SQLite: the refresh's transaction is IMMEDIATE (settings: it holds the database's write lock from
  its first statement), and readers keep the snapshot they had (an empty table) until the commit.
  SQLite's unique key is part of the table (an automatic index, which cannot be dropped): only the
  indexes created apart are deferred, and rows go in in the unique key's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection


def _quoted(table: str) -> str:
    return connection.ops.quote_name(table)


def _has_rows(cursor: Any, table: str) -> bool:
    cursor.execute(f"SELECT 1 FROM {_quoted(table)} LIMIT 1")  # noqa: S608 (a quoted table name)
    return cursor.fetchone() is not None


def claim_empty(cursor: Any, table: str) -> bool:
    """True if ``table`` is empty and stays so for everyone else until this transaction commits.

    Call inside the transaction that fills it. Checked first without a lock, so that the periodic
    repair of a filled table never blocks readers; on PostgreSQL an empty table is then locked
    (readers wait until commit) and checked again, as an incremental refresh may have committed
    rows in between. If it has, the lock is kept and the caller takes its ordinary path: nothing
    else writes the table meanwhile."""
    if _has_rows(cursor, table):
        return False
    if connection.vendor == "postgresql":
        cursor.execute(f"LOCK TABLE {_quoted(table)} IN ACCESS EXCLUSIVE MODE")
        return not _has_rows(cursor, table)
    return True  # SQLite: this transaction has held the write lock since its first statement


@dataclass(frozen=True, slots=True)
class _Index:
    drop: str
    create: str


def _indexes(cursor: Any, table: str) -> list[_Index]:
    """The table's indexes, with the statements that drop and recreate each exactly as the
    migrations made it (constraint-backed ones as constraints). On PostgreSQL the primary key too,
    unless a foreign key of another table depends on it (it could not be dropped)."""
    if connection.vendor == "postgresql":
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname,
                      pg_get_constraintdef(c.oid)
            FROM pg_index i
            LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
            WHERE i.indrelid = %s::regclass AND NOT (i.indisprimary AND EXISTS (
                SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = i.indrelid))
            ORDER BY i.indisprimary DESC, 1""",
            [table],
        )
        found = []
        for index, index_def, constraint, constraint_def in cursor.fetchall():
            if constraint:
                name = _quoted(constraint)
                found.append(
                    _Index(
                        f"ALTER TABLE {_quoted(table)} DROP CONSTRAINT {name}",
                        f"ALTER TABLE {_quoted(table)} ADD CONSTRAINT {name} {constraint_def}",
                    )
                )
            else:
                found.append(_Index(f"DROP INDEX {index}", index_def))
        return found
    # SQLite: automatic indexes (the unique key) have no SQL and cannot be dropped.
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL"
        " ORDER BY name",
        [table],
    )
    return [_Index(f"DROP INDEX {_quoted(name)}", sql) for name, sql in cursor.fetchall()]


@contextmanager
def indexes_built_after(cursor: Any, table: str) -> Iterator[None]:
    """Drop the table's indexes for the duration of the block, then build them again.
    Only for a table `claim_empty` returned True for, in the same transaction."""
    indexes = _indexes(cursor, table)
    for index in indexes:
        cursor.execute(index.drop)
    yield
    for index in indexes:
        cursor.execute(index.create)
