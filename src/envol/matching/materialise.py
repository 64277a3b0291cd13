"""Materialise candidates: set-based SQL that rebuilds `Candidate` rows for everyone or around a few persons.

The rows are those of envol.matching.candidates (the same trust rules: a person's own import, plus the
verified-owner imports of others that list their verified X key), extended with Bridgy Fed copies and
unverified suggestions. A few statements do the work, whatever the number of rows:

0. stage the pairs of people in scope with each target's choice and honoured X blocks applied
   (PEOPLE, CREATE TABLE AS), and grow each person's lifetime allowance of uncorroborated people
   from it (one INSERT … SELECT into `Disclosure`, decision 0019);
1. fill a temporary staging table with every row that *should* exist in scope (CREATE TABLE AS):
   the corroborated pairs and those within the allowance, with their accounts;
2. diff it against the existing rows in scope with one join, into a second temporary table that
   holds only the rows to insert, update or delete (empty when nothing changed);
3. apply that diff: update changed rows (so that `first_seen_at`, `dismissed_at` and the
   notification bookkeeping survive), insert new ones, delete vanished ones.

Scope is everyone (the periodic repair) or a set S of persons (incremental): then only rows whose
person or target is in S are rebuilt, found from S's own import and the edge index on S's X keys, so
one newcomer never recomputes the world. Running either twice changes nothing the second time.

Everyone's rows into an empty table (the first computation) skip the diff: they are inserted straight
from the staging table, the table's indexes built afterwards (envol.matching.bulkload).

The same SQL runs on SQLite (3.33+: UPDATE … FROM) and PostgreSQL, but for the shape of the diff's join.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from envol.core.sqlite_cache import larger_page_cache
from envol.matching import bulkload
from envol.matching.models import Candidate
from envol.matching.reach import (
    PEOPLE,
    _disclose,
    _in_list,
    _inline,
    _people_sql,
    _reachable_sql,
    _suggestions_sql,
    _tables,
)
from envol.matching.signals import candidates_changed

STAGING = "matching_candidate_next"
DIFF = "matching_candidate_diff"
# What an upsert may change in an existing row; everything else (history, dismissal) is kept.
_UPDATED = (
    "kind",
    "target_person_id",
    "target_account_id",
    "handle",
    "followee",
    "follower",
    "unavailable",
    "moved_to",
)
_COLUMNS = (
    "person_id, network, address, kind, target_person_id, target_account_id, handle, followee, follower"
)


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What one refresh changed: persons whose rows were added, changed or removed, and row counts."""

    changed_persons: frozenset[int]
    upserted: int
    deleted: int


def _fill_staging(cursor: Any, scope: Collection[int] | None, now: datetime) -> None:
    """The pairs of people first (PEOPLE, choices and blocks applied), then the allowance of
    uncorroborated ones grown from them, then the rows. Verified rows are distinct (one per person
    pair and account); bridged rows too (one per pair and bridged account, only where the target
    has no verified account on that network); suggestions are grouped by address and skipped where
    a verified or bridged row already has it. No key on the staging tables: an index would cost
    every staged row."""
    cursor.execute(f"DROP TABLE IF EXISTS {PEOPLE}")
    people, params = _people_sql(scope)
    cursor.execute(f"CREATE TEMPORARY TABLE {PEOPLE} AS {_inline(people, params)}")
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {PEOPLE}")  # temporary tables get no statistics otherwise
    _disclose(cursor, now)
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
    reachable, params = _reachable_sql()
    cursor.execute(f"CREATE TEMPORARY TABLE {STAGING} AS {_inline(reachable, params)}")
    cursor.execute(f"DROP TABLE {PEOPLE}")
    suggestions, params = _suggestions_sql(scope)
    cursor.execute(
        f"""INSERT INTO {STAGING} ({_COLUMNS})
        SELECT * FROM ({suggestions}) s WHERE NOT EXISTS (
            SELECT 1 FROM {STAGING} n WHERE n.person_id = s.person_id AND n.network = s.network
              AND n.address = s.address)""",  # noqa: S608 (our own SQL and table names)
        params,
    )


def _prepare_staging_for_diff(cursor: Any) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {STAGING}")  # temporary tables get no statistics otherwise
    else:
        # SQLite has no hash join: without an index, "rows no longer staged" scans the staging
        # table once per candidate row (quadratic at millions of rows).
        cursor.execute(f"CREATE INDEX {STAGING}_key ON {STAGING} (person_id, network, address)")


def _scope_sql(table: str, scope: Collection[int] | None) -> str:
    """Rows of ``table`` that a refresh of ``scope`` may touch: every row, or those involving S. Said
    explicitly so that the planner probes the person and target indexes instead of scanning."""
    if scope is None:
        return "TRUE"
    ids = _in_list(scope)
    return f"({table}.person_id IN ({ids}) OR {table}.target_person_id IN ({ids}))"


# A staged row ``n`` (with its target's profile ``tp``) as the candidate columns it sets.
_FRESH = {
    "kind": "n.kind",
    "target_person_id": "n.target_person_id",
    "target_account_id": "n.target_account_id",
    "handle": "n.handle",
    "followee": "(n.followee = 1)",
    "follower": "(n.follower = 1)",
    "unavailable": "COALESCE(tp.state, '')",
    "moved_to": "COALESCE(tp.moved_to, '')",
    "unavailable_since": "tp.state_since",
}


def _staged_with_profiles() -> str:
    profile = _tables()["profile"]
    return f"({STAGING} n LEFT JOIN {profile} tp ON tp.network = n.network AND tp.address = n.address)"


def _fill_diff(cursor: Any, scope: Collection[int] | None) -> None:
    """One join of the staged rows with the existing rows in scope keeps only what differs: rows
    to insert (no ``cid``), to delete (no ``person_id``) and to update (both, content changed). A
    repair that changes nothing writes an empty table; the three writes then touch only these rows."""
    c, fresh = _tables()["candidate"], _FRESH
    changed = " OR ".join(f"c.{col} IS DISTINCT FROM {fresh[col]}" for col in _UPDATED)
    columns = ", ".join(f"{value} AS {col}" for col, value in fresh.items())
    existing = ", ".join(("id", "person_id", "network", "address", *_UPDATED))
    staged = _staged_with_profiles()
    same = "c.person_id = n.person_id AND c.network = n.network AND c.address = n.address"
    in_scope = f"(SELECT {existing} FROM {c} WHERE {_scope_sql(c, scope)}) c"  # noqa: S608
    if connection.vendor == "postgresql":  # one hash full join
        diff = f"""SELECT c.id AS cid, c.person_id AS old_person_id, n.person_id, n.network, n.address,
                   {columns}
            FROM {staged} FULL JOIN {in_scope} ON {same}
            WHERE c.id IS NULL OR n.person_id IS NULL OR {changed}"""  # noqa: S608
    else:
        # SQLite has no hash join and would scan a materialised subquery once per staged row: join
        # the table itself through its unique index (a staged row only ever matches a row in scope,
        # as it has the same person), and find the vanished rows through the staging table's index.
        nothing = ", ".join(f"NULL AS {col}" for col in ("person_id", "network", "address", *fresh))
        diff = f"""SELECT c.id AS cid, c.person_id AS old_person_id, n.person_id, n.network, n.address,
                   {columns}
            FROM {staged} LEFT JOIN {c} c ON {same}
            WHERE c.id IS NULL OR {changed}
            UNION ALL
            SELECT c.id, c.person_id, {nothing} FROM {in_scope}
            WHERE NOT EXISTS (SELECT 1 FROM {STAGING} n WHERE {same})"""  # noqa: S608
    cursor.execute(f"DROP TABLE IF EXISTS {DIFF}")
    cursor.execute(f"CREATE TEMPORARY TABLE {DIFF} AS {diff}")  # (quoted names, fixed expressions)


def _apply_diff(cursor: Any, now: datetime) -> tuple[Counter[int], Counter[int]]:
    """Update, insert and delete the rows the diff holds; rows written per person, upserted and
    deleted, read from the diff itself (not RETURNING: two million ids would cross the wire)."""
    c = _tables()["candidate"]
    assignments = ", ".join(f"{col} = d.{col}" for col in (*_UPDATED, "unavailable_since"))
    cursor.execute(
        f"""UPDATE {c} AS c SET {assignments} FROM {DIFF} d
        WHERE c.id = d.cid AND d.person_id IS NOT NULL"""  # noqa: S608
    )  # (quoted table names and fixed expressions only)
    cursor.execute(
        f"""INSERT INTO {c} ({_COLUMNS}, unavailable, moved_to, unavailable_since, first_seen_at)
        SELECT person_id, network, address, kind, target_person_id, target_account_id, handle,
               followee, follower, unavailable, moved_to, unavailable_since, %s
        FROM {DIFF} WHERE cid IS NULL
        ORDER BY person_id, network, address""",  # noqa: S608 (quoted table names only)
        [now],
    )
    cursor.execute(f"DELETE FROM {c} WHERE id IN (SELECT cid FROM {DIFF} WHERE person_id IS NULL)")  # noqa: S608
    cursor.execute(
        f"""SELECT person_id IS NULL, COALESCE(person_id, old_person_id), COUNT(*)
        FROM {DIFF} GROUP BY person_id IS NULL, COALESCE(person_id, old_person_id)"""  # noqa: S608
    )
    upserted: Counter[int] = Counter()
    deleted: Counter[int] = Counter()
    for gone, person_id, rows in cursor.fetchall():
        (deleted if gone else upserted)[person_id] += rows
    return upserted, deleted


def _insert_staged(cursor: Any, now: datetime) -> Counter[int]:
    """Everyone's rows into the empty table straight from the staging table (no diff to write and
    read again); rows written per person."""
    c = _tables()["candidate"]
    fresh = ", ".join(_FRESH.values())
    insert = f"""INSERT INTO {c} (person_id, network, address, {", ".join(_FRESH)}, first_seen_at)
        SELECT n.person_id, n.network, n.address, {fresh}, %s FROM {_staged_with_profiles()}"""  # noqa: S608
    # PostgreSQL builds every index afterwards, so the rows go in as they come; SQLite keeps its
    # unique key, so they go in in its order (B-tree appends).
    order = "" if connection.vendor == "postgresql" else "ORDER BY n.person_id, n.network, n.address"
    cursor.execute(f"{insert} {order}", [now])
    cursor.execute(f"SELECT person_id, COUNT(*) FROM {STAGING} GROUP BY person_id")  # noqa: S608
    return Counter({int(person_id): int(rows) for person_id, rows in cursor.fetchall()})


def _tune(cursor: Any, *, everyone: bool) -> list[str]:
    """PostgreSQL planner settings for this refresh's transaction; returns the names it set."""
    if connection.vendor != "postgresql":
        return []
    # Hash tables of 100,000 accounts and diffs of millions of rows: with the default 4 MB they
    # spill to disk in batches (a full refresh went from 224 s to 91 s with 128 MB).
    cursor.execute("SET LOCAL work_mem = '128MB'")
    # These statements' estimated costs always trigger JIT compilation, which took about a second
    # (inlining and optimisation) of a two-million-row insert and gains nothing on hash joins.
    cursor.execute("SET LOCAL jit = off")
    if not everyone:
        return ["work_mem", "jit"]
    # Everyone: finding the edges that name a verified X account probes the covering x_key index
    # once per account (an index-only scan reading about 1 % of the edges: 2 s for 100 M edges,
    # against 20 s for a scan with a hash join); the planner picks that itself. The diffs then join
    # millions of staged rows with millions of existing ones, where hash joins beat both sorting
    # addresses and probing the unique index row by row (decision 0006).
    cursor.execute("SET LOCAL enable_mergejoin = off")
    return ["work_mem", "jit", "enable_mergejoin"]


@contextmanager
def _hash_joins_only(cursor: Any, *, everyone: bool) -> Iterator[None]:
    """For the full diff of everyone: the planner would otherwise probe the unique index once per
    staged row (12 s for 2 M rows, against 3 s for one hash join)."""
    if connection.vendor != "postgresql" or not everyone:
        yield
        return
    cursor.execute("SET LOCAL enable_nestloop = off")
    try:
        yield
    finally:
        cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")


def refresh(scope: Collection[int] | None = None, *, notify: bool = True) -> RefreshResult:
    """Rebuild the candidate rows of everyone (``scope=None``) or those involving the persons in ``scope``.

    Idempotent. Sends `candidates_changed` (after commit) with the persons whose rows changed.
    """
    if scope is not None and not scope:
        return RefreshResult(frozenset(), 0, 0)
    now = timezone.now()
    # SQLite: the joins probe the account and candidate indexes hundreds of thousands of times for
    # everyone (a 64 MiB cache took a 10 M-edge world's staging from 1.45 s to 1.1 s).
    with transaction.atomic(), connection.cursor() as cursor, larger_page_cache():
        tuned = _tune(cursor, everyone=scope is None)
        try:
            _fill_staging(cursor, scope, now)
            table = Candidate._meta.db_table
            if scope is None and bulkload.claim_empty(cursor, table):
                # The first computation: nothing to compare with, every index built once at the end.
                with bulkload.indexes_built_after(cursor, table):
                    upserted, deleted = _insert_staged(cursor, now), Counter[int]()
            else:
                _prepare_staging_for_diff(cursor)
                with _hash_joins_only(cursor, everyone=scope is None):
                    _fill_diff(cursor, scope)
                if connection.vendor == "postgresql":
                    cursor.execute(f"ANALYZE {DIFF}")  # usually tiny: the writes then probe by id
                upserted, deleted = _apply_diff(cursor, now)
                cursor.execute(f"DROP TABLE {DIFF}")
            cursor.execute(f"DROP TABLE {STAGING}")
        finally:
            for name in tuned:  # SET LOCAL lasts until the outermost commit: not past this refresh
                cursor.execute(f"SET LOCAL {name} TO DEFAULT")
        changed = frozenset(upserted) | frozenset(deleted)
        if notify and changed:
            transaction.on_commit(lambda: candidates_changed.send(sender=Candidate, person_ids=changed))
    return RefreshResult(changed, upserted.total(), deleted.total())


def refresh_everyone(*, notify: bool = True) -> RefreshResult:
    """The periodic repair: every person's candidates, in a handful of statements."""
    return refresh(None, notify=notify)


def refresh_around(person_ids: Collection[int], *, notify: bool = True) -> RefreshResult:
    """Incremental: the rows of these persons and the rows that have them as targets."""
    return refresh(frozenset(person_ids), notify=notify)
