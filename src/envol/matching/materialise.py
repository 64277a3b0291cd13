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

import re
from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from envol.archive.models import ArchiveImport
from envol.core.config import CONFIG
from envol.core.ids import Platform
from envol.core.sqlite_cache import larger_page_cache
from envol.graph.models import Direction, Edge
from envol.matching import bulkload
from envol.matching.models import BridgeLookup, Candidate, Disclosure, Kind, Suggestion, TargetProfile
from envol.matching.signals import candidates_changed
from envol.registry.models import Account, Findable, Person, Verification

STAGING = "matching_candidate_next"
PEOPLE = "matching_candidate_people"
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


def _tables() -> dict[str, str]:
    q = connection.ops.quote_name
    models: dict[str, Any] = {
        "account": Account,
        "edge": Edge,
        "imports": ArchiveImport,
        "candidate": Candidate,
        "bridge": BridgeLookup,
        "suggestion": Suggestion,
        "profile": TargetProfile,
        "person": Person,
        "disclosure": Disclosure,
    }
    return {name: q(model._meta.db_table) for name, model in models.items()}


def _in_list(ids: Collection[int]) -> str:
    """An inline IN list of integers: ids are ints we hold, never text from outside."""
    return ", ".join(str(int(i)) for i in sorted(ids)) or "NULL"


def _hits_sql(scope: Collection[int] | None) -> tuple[str, list[Any]]:
    """(owner, listed, direction, owner_verified): an import's edge whose key is a verified X account."""
    t = _tables()
    x, verified = Platform.X.value, Verification.VERIFIED.value
    everyone = f"""
        SELECT i.person_id AS owner, xa.person_id AS listed, e.direction AS dir, i.owner_verified AS ov
        FROM {t["imports"]} i
        JOIN {t["edge"]} e ON e.archive_import_id = i.id
        JOIN {t["account"]} xa ON xa.x_key = e.x_key AND xa.platform = %s AND xa.verification = %s
    """  # noqa: S608 (quoted table names only)
    if scope is None:
        return everyone, [x, verified]
    ids = _in_list(scope)
    # Edges of S's own imports (found by the import's index), then edges that list S's verified X
    # keys in others' imports (found by the x_key index): never a scan of the whole edge table.
    sql = f"""
        {everyone} WHERE i.person_id IN ({ids})
        UNION ALL
        SELECT i.person_id, xa.person_id, e.direction, i.owner_verified
        FROM {t["account"]} xa
        JOIN {t["edge"]} e ON e.x_key = xa.x_key
        JOIN {t["imports"]} i ON i.id = e.archive_import_id
        WHERE xa.person_id IN ({ids}) AND xa.platform = %s AND xa.verification = %s
          AND i.person_id NOT IN ({ids})
    """  # noqa: S608 (quoted table names and integers only)
    return sql, [x, verified, x, verified]


def _people_sql(scope: Collection[int] | None) -> tuple[str, list[Any]]:
    """(person, target, followee, follower, confirmed): the people each person may be shown, before
    the allowance of uncorroborated ones (the rules of envol.matching.candidates, decision 0019)."""
    t = _tables()
    hits, params = _hits_sql(scope)
    following, follower = int(Direction.FOLLOWING), int(Direction.FOLLOWER)
    blocked, muted = int(Direction.BLOCKED), int(Direction.MUTED)
    # links: (a) the owner's list says who they follow / who follows them, and whom they blocked or
    # muted (barred); (b) a verified owner's follow lists also speak for the listed person, with the
    # roles swapped, and confirm the link; anyone's block list bars the blocked from the blocker.
    # Flags are 0/1 integers so that MAX() aggregates them the same way on both databases.
    sql = f"""
        WITH hits AS ({hits}),
        links AS (
            SELECT owner AS pid, listed AS tid,
                   CASE WHEN dir = %s THEN 1 ELSE 0 END AS followee,
                   CASE WHEN dir = %s THEN 1 ELSE 0 END AS follower,
                   0 AS confirmed,
                   CASE WHEN dir IN (%s, %s) THEN 1 ELSE 0 END AS barred
            FROM hits
            UNION ALL
            SELECT listed, owner, CASE WHEN dir = %s THEN 1 ELSE 0 END, CASE WHEN dir = %s THEN 1 ELSE 0 END,
                   CASE WHEN dir = %s THEN 0 ELSE 1 END, CASE WHEN dir = %s THEN 1 ELSE 0 END
            FROM hits WHERE (ov = %s AND dir IN (%s, %s)) OR dir = %s
        ),
        people AS (
            SELECT pid, tid, MAX(followee) AS followee, MAX(follower) AS follower,
                   MAX(confirmed) AS confirmed, MAX(barred) AS barred
            FROM links WHERE pid <> tid GROUP BY pid, tid
        )
        SELECT p.pid AS pid, p.tid AS tid, p.followee AS followee, p.follower AS follower,
               p.confirmed AS confirmed
        FROM people p JOIN {t["person"]} tp ON tp.id = p.tid
        WHERE p.barred = 0 AND (p.followee = 1 OR p.follower = 1)
          AND (tp.findable_by = %s OR (tp.findable_by = %s AND p.confirmed = 1))
    """  # noqa: S608 (quoted table names only; every value is a parameter)
    params += [following, follower, blocked, muted]
    params += [follower, following, blocked, blocked, True, follower, following, blocked]
    params += [Findable.EVERYONE.value, Findable.CONFIRMED.value]
    return sql, params


def _disclose(cursor: Any, now: datetime) -> None:
    """Grow each person's allowance of uncorroborated people (`Disclosure`) with the new ones staged
    in PEOPLE, lowest target person id first, up to the lifetime limit. Only targets with an
    account to show count: a listed person who has linked nothing yet reveals nothing."""
    t = _tables()
    verified, bsky, masto = Verification.VERIFIED.value, Platform.BLUESKY.value, Platform.MASTODON.value
    cursor.execute(
        f"""INSERT INTO {t["disclosure"]} (person_id, target_person_id, first_at)
        SELECT n.pid, n.tid, %s FROM (
            SELECT p.pid, p.tid, ROW_NUMBER() OVER (PARTITION BY p.pid ORDER BY p.tid) AS rank
            FROM {PEOPLE} p
            WHERE p.confirmed = 0
              AND NOT EXISTS (SELECT 1 FROM {t["disclosure"]} d
                              WHERE d.person_id = p.pid AND d.target_person_id = p.tid)
              AND EXISTS (SELECT 1 FROM {t["account"]} o WHERE o.person_id = p.tid AND o.verification = %s
                                                            AND o.platform IN (%s, %s))
        ) n
        LEFT JOIN (
            SELECT person_id, COUNT(*) AS used FROM {t["disclosure"]}
            WHERE person_id IN (SELECT pid FROM {PEOPLE} WHERE confirmed = 0) GROUP BY person_id
        ) u ON u.person_id = n.pid
        WHERE n.rank <= %s - COALESCE(u.used, 0)
        ON CONFLICT DO NOTHING""",  # noqa: S608 (quoted table names only)
        [now, verified, bsky, masto, CONFIG.matching_uncorroborated_limit],
    )


def _reachable_sql() -> tuple[str, list[Any]]:
    """Verified and bridged rows (person, network, address, kind, target person, account, handle, flags)
    of the people in PEOPLE that are corroborated or within the person's allowance."""
    t = _tables()
    verified, bsky, masto = Verification.VERIFIED.value, Platform.BLUESKY.value, Platform.MASTODON.value
    sql = f"""
        WITH people AS (
            SELECT p.pid, p.tid, p.followee, p.follower FROM {PEOPLE} p
            WHERE p.confirmed = 1 OR EXISTS (
                SELECT 1 FROM {t["disclosure"]} d WHERE d.person_id = p.pid AND d.target_person_id = p.tid)
        )
        SELECT p.pid AS person_id, ta.platform AS network, ta.stable_id AS address, %s AS kind,
               p.tid AS target_person_id, ta.id AS target_account_id, ta.handle AS handle,
               p.followee AS followee, p.follower AS follower
        FROM people p
        JOIN {t["account"]} ta ON ta.person_id = p.tid AND ta.verification = %s AND ta.platform IN (%s, %s)
        UNION ALL
        SELECT p.pid, CASE WHEN ta.platform = %s THEN %s ELSE %s END, b.bridged_address, %s, p.tid, ta.id,
               b.bridged_address, p.followee, p.follower
        FROM people p
        JOIN {t["account"]} ta ON ta.person_id = p.tid AND ta.verification = %s AND ta.platform IN (%s, %s)
        JOIN {t["bridge"]} b ON b.network = ta.platform AND b.stable_id = ta.stable_id AND b.found = %s
        WHERE NOT EXISTS (
            SELECT 1 FROM {t["account"]} o
            WHERE o.person_id = p.tid AND o.verification = %s AND o.platform <> ta.platform
              AND o.platform IN (%s, %s)
        )
    """  # noqa: S608 (quoted table names only; every value is a parameter)
    params: list[Any] = [Kind.VERIFIED.value, verified, bsky, masto]
    params += [bsky, masto, bsky, Kind.BRIDGED.value, verified, bsky, masto, True, verified, bsky, masto]
    return sql, params


def _suggestions_sql(scope: Collection[int] | None) -> tuple[str, list[Any]]:
    """Suggestion rows: addresses attached to x_keys of the person's own lists, unless that X account's
    verified person is already reachable on the suggestion's network. A profile's addresses count
    only while the owner of the import they came from is verified: a claimed archive's bio could
    name anyone, and its lists speak for nobody else either."""
    t = _tables()
    following, follower = int(Direction.FOLLOWING), int(Direction.FOLLOWER)
    where = f"i.person_id IN ({_in_list(scope)})" if scope is not None else "TRUE"
    sql = f"""
        SELECT i.person_id AS person_id, s.network AS network, s.address AS address, %s AS kind,
               CAST(NULL AS bigint) AS target_person_id, CAST(NULL AS bigint) AS target_account_id,
               s.address AS handle, MAX(CASE WHEN e.direction = %s THEN 1 ELSE 0 END) AS followee,
               MAX(CASE WHEN e.direction = %s THEN 1 ELSE 0 END) AS follower
        FROM {t["imports"]} i
        JOIN {t["edge"]} e ON e.archive_import_id = i.id
        JOIN {t["suggestion"]} s ON s.x_key = e.x_key
        LEFT JOIN {t["imports"]} si ON si.id = s.archive_import_id
        WHERE {where} AND e.direction IN (%s, %s)
          AND (s.archive_import_id IS NULL OR si.owner_verified = %s) AND NOT EXISTS (
            SELECT 1 FROM {t["account"]} xa JOIN {t["account"]} o ON o.person_id = xa.person_id
            WHERE xa.x_key = s.x_key AND xa.platform = %s AND xa.verification = %s
              AND o.platform = s.network AND o.verification = %s
        ) AND NOT EXISTS (
            SELECT 1 FROM {t["edge"]} pe
            WHERE pe.archive_import_id = i.id AND pe.x_key = s.x_key AND pe.direction IN (%s, %s)
        ) AND NOT EXISTS (
            SELECT 1 FROM {t["account"]} ox JOIN {t["person"]} op ON op.id = ox.person_id
            WHERE ox.x_key = s.x_key AND ox.platform = %s AND ox.verification = %s
              AND (op.findable_by NOT IN (%s, %s)
                   OR (op.findable_by = %s AND NOT EXISTS ({_listed_by_sql("op.id", "%s, %s", True)}))
                   OR EXISTS ({_listed_by_sql("op.id", "%s", False)}))
        )
        GROUP BY i.person_id, s.network, s.address
    """  # noqa: S608 (quoted table names and integers only)
    verified, x = Verification.VERIFIED.value, Platform.X.value
    params: list[Any] = [Kind.SUGGESTION.value, following, follower, following, follower, True, x]
    params += [verified, verified, int(Direction.BLOCKED), int(Direction.MUTED), x, verified]
    params += [Findable.EVERYONE.value, Findable.CONFIRMED.value, Findable.CONFIRMED.value]
    params += [x, verified, True, following, follower, x, verified, int(Direction.BLOCKED)]
    return sql, params


def _listed_by_sql(owner: str, directions: str, verified_only: bool) -> str:
    """Whether the import of person ``owner`` lists, in ``directions``, the verified X key of the
    person whose list row ``i`` is (parameters: X, verified, [True,] the directions)."""
    t = _tables()
    owned = "AND oi.owner_verified = %s" if verified_only else ""
    return f"""SELECT 1 FROM {t["imports"]} oi
        JOIN {t["edge"]} oe ON oe.archive_import_id = oi.id
        JOIN {t["account"]} px ON px.x_key = oe.x_key AND px.platform = %s AND px.verification = %s
        WHERE oi.person_id = {owner} AND px.person_id = i.person_id {owned}
          AND oe.direction IN ({directions})"""  # noqa: S608


_SAFE_TEXT = re.compile(r"[a-z_:]{1,32}")


def _inline(sql: str, params: list[Any]) -> str:
    """The statement with its parameters written in. Needed for CREATE TABLE AS, which PostgreSQL
    plans in parallel (INSERT … SELECT never is) but which takes no bind parameters. Every value
    here is one of our own constants (a platform, a kind, a direction, a flag), checked below."""
    parts = sql.split("%s")
    assert len(parts) == len(params) + 1
    out = [parts[0]]
    for value, part in zip(params, parts[1:], strict=True):
        if isinstance(value, bool):
            literal = "TRUE" if value else "FALSE"
        elif isinstance(value, int):
            literal = str(int(value))
        elif isinstance(value, str) and _SAFE_TEXT.fullmatch(value):
            literal = f"'{value}'"
        else:
            raise ValueError(f"not a constant that may be written into SQL: {value!r}")
        out += [literal, part]
    return "".join(out)


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
