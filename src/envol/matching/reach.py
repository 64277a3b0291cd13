"""Who each person may be shown, as SQL: the X links that reach a verified account (``_hits_sql``),
the person pairs they form with each target's choice of who can find them and honoured blocks
(``_people_sql``), the lifetime allowance of uncorroborated people (``_disclose``, decision 0019) and
the unverified suggestions (``_suggestions_sql``). ``materialise`` stages and applies what these
select; the statements are built here so that the staging module holds only the steps."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.db import connection

from envol.archive.models import ArchiveImport
from envol.core.config import CONFIG
from envol.core.ids import Platform
from envol.graph.models import Direction, Edge
from envol.matching.models import BridgeLookup, Candidate, Disclosure, Kind, Suggestion, TargetProfile
from envol.registry.models import Account, Findable, Person, Verification

PEOPLE = "matching_candidate_people"


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


def already_there(person_id: int) -> dict[str, int]:
    """Per network, how many people who knew this person on X are there already, read from others'
    proven archives alone: what the journey can say as soon as the X account is proven, before the
    person shares an archive of their own. The rules are the ones candidates follow for a verified
    owner's lists (``_people_sql``, case b): only owners whose archive is theirs, whose "who can
    find me" choice lets a person their own archive confirms see them, and never owners who blocked
    this person; nor anyone this person's own archive blocks or mutes, if there is one.
    One statement, found through the ``x_key`` index of the edges."""
    t = _tables()
    x, verified = Platform.X.value, Verification.VERIFIED.value
    sql = f"""
        SELECT o.platform, COUNT(DISTINCT i.person_id)
        FROM {t["account"]} me
        JOIN {t["edge"]} e ON e.x_key = me.x_key AND e.direction IN (%s, %s)
        JOIN {t["imports"]} i ON i.id = e.archive_import_id AND i.owner_verified = %s
        JOIN {t["person"]} p ON p.id = i.person_id AND p.findable_by IN (%s, %s)
        JOIN {t["account"]} o ON o.person_id = i.person_id AND o.verification = %s AND o.platform IN (%s, %s)
        WHERE me.person_id = %s AND me.platform = %s AND me.verification = %s AND i.person_id <> %s
          AND NOT EXISTS (
            SELECT 1 FROM {t["imports"]} bi JOIN {t["edge"]} be ON be.archive_import_id = bi.id
            WHERE bi.person_id = i.person_id AND be.x_key = me.x_key AND be.direction = %s)
          AND NOT EXISTS (
            SELECT 1 FROM {t["imports"]} mi JOIN {t["edge"]} me2 ON me2.archive_import_id = mi.id
            JOIN {t["account"]} ox ON ox.x_key = me2.x_key AND ox.platform = %s AND ox.verification = %s
            WHERE mi.person_id = %s AND ox.person_id = i.person_id AND me2.direction IN (%s, %s))
        GROUP BY o.platform
    """  # noqa: S608 (quoted table names only; every value is a parameter)
    following, follower = int(Direction.FOLLOWING), int(Direction.FOLLOWER)
    blocked, muted = int(Direction.BLOCKED), int(Direction.MUTED)
    params: list[Any] = [following, follower, True, Findable.EVERYONE.value, Findable.CONFIRMED.value]
    params += [verified, Platform.BLUESKY.value, Platform.MASTODON.value, person_id, x, verified, person_id]
    params += [blocked, x, verified, person_id, blocked, muted]
    found = {Platform.BLUESKY.value: 0, Platform.MASTODON.value: 0}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for network, count in cursor.fetchall():
            found[network] = int(count)
    return found
