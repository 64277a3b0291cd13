"""Who of a person's X people is on Bluesky or Mastodon: one set-based SQL query per person.

A person P's X links come from two places (DESIGN §3):

(a) P's own import: its FOLLOWING rows are P's followees, its FOLLOWER rows P's followers. An
    x_key there becomes a person only through a *verified* X account carrying that key.
(b) the imports of others that contain P's verified X key: in J's FOLLOWER list, P follows J's
    owner; in J's FOLLOWING list, J's owner follows P. Only imports whose owner is verified vouch
    for who that owner is, so a claimed import never takes part.

Each person found this way yields their verified Bluesky and Mastodon accounts as candidates.
The same SQL runs on SQLite and PostgreSQL (no vendor-specific construct), so both give the same
rows; nothing loops over edges in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from django.db import connection

from envol.archive.models import ArchiveImport
from envol.core.ids import Platform
from envol.graph.models import Direction, Edge
from envol.registry.models import Account, Verification

#: The networks candidates are looked for on, in the order results are reported.
NETWORKS: tuple[Platform, ...] = (Platform.BLUESKY, Platform.MASTODON)


@dataclass(frozen=True, slots=True)
class KnownAccount:
    """One verified account of someone P knew on X. ``followee and follower`` means mutual."""

    target_person_id: int
    network: Platform
    account_id: int  # the target's Account pk
    stable_id: str  # Bluesky DID or Mastodon actor URI
    handle: str  # informative only: handles change
    followee: bool  # P follows the target on X
    follower: bool  # the target follows P on X

    @property
    def mutual(self) -> bool:
        return self.followee and self.follower


class DirectionCounts(TypedDict):
    """Disjoint buckets: ``followee_only + follower_only + mutual == total``.

    P's followees on a network are ``followee_only + mutual``, their followers ``follower_only + mutual``.
    """

    followee_only: int
    follower_only: int
    mutual: int
    total: int


def _candidate_sql(person_id: int) -> tuple[str, list[Any]]:
    """The rows (target person, network, account id, stable id, handle, followee 0/1, follower 0/1)."""
    q = connection.ops.quote_name
    account, edge, imports = (q(m._meta.db_table) for m in (Account, Edge, ArchiveImport))
    verified, x = Verification.VERIFIED.value, Platform.X.value
    following, follower = int(Direction.FOLLOWING), int(Direction.FOLLOWER)
    # `links` holds one row per (person, way found); the flags are 0/1 integers rather than
    # booleans so that MAX() aggregates them the same way on both databases.
    sql = f"""
        WITH me AS (
            SELECT x_key FROM {account}
            WHERE person_id = %s AND platform = %s AND verification = %s AND x_key IS NOT NULL
        ),
        links AS (
            SELECT xa.person_id AS pid,
                   CASE WHEN e.direction = %s THEN 1 ELSE 0 END AS followee,
                   CASE WHEN e.direction = %s THEN 1 ELSE 0 END AS follower
            FROM {imports} i
            JOIN {edge} e ON e.archive_import_id = i.id
            JOIN {account} xa ON xa.x_key = e.x_key AND xa.platform = %s AND xa.verification = %s
            WHERE i.person_id = %s
            UNION ALL
            SELECT j.person_id,
                   CASE WHEN e.direction = %s THEN 1 ELSE 0 END,
                   CASE WHEN e.direction = %s THEN 1 ELSE 0 END
            FROM {edge} e
            JOIN {imports} j ON j.id = e.archive_import_id
            WHERE e.x_key IN (SELECT x_key FROM me) AND j.owner_verified = %s AND j.person_id <> %s
        ),
        people AS (
            SELECT pid, MAX(followee) AS followee, MAX(follower) AS follower
            FROM links WHERE pid <> %s GROUP BY pid
        )
        SELECT p.pid AS pid, t.platform AS platform, t.id AS account_id, t.stable_id AS stable_id,
               t.handle AS handle, p.followee AS followee, p.follower AS follower
        FROM people p
        JOIN {account} t ON t.person_id = p.pid AND t.verification = %s AND t.platform IN (%s, %s)
    """  # noqa: S608 (only quoted table names are formatted in; every value is a parameter)
    params: list[Any] = [person_id, x, verified]
    params += [following, follower, x, verified, person_id]
    # (b) swaps the roles: in J's FOLLOWER list P follows J's owner; in its FOLLOWING list, J's
    # owner follows P.
    params += [follower, following, True, person_id]
    params += [person_id, verified, *(n.value for n in NETWORKS)]
    return sql, params


def candidates_for(person_id: int) -> list[KnownAccount]:
    """Every verified Bluesky/Mastodon account of the persons ``person_id`` knew on X, in one query.

    Ordered by network, target person, account. An unknown person simply has no candidates.
    """
    sql, params = _candidate_sql(person_id)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY platform, pid, account_id", params)
        rows = cursor.fetchall()
    return [
        KnownAccount(int(pid), Platform(net), int(aid), str(sid), str(handle), bool(fe), bool(fr))
        for pid, net, aid, sid, handle, fe, fr in rows
    ]


def counts_for(person_id: int) -> dict[Platform, DirectionCounts]:
    """KnownAccount accounts per network in disjoint direction buckets (see DirectionCounts), one query.

    Every network of NETWORKS is present, with zeros when nothing was found. The counting happens in
    the database: a person with a large community transfers four numbers per network, not its rows.
    """
    sql, params = _candidate_sql(person_id)
    wrapped = f"""
        SELECT c.platform,
               SUM(CASE WHEN c.followee = 1 AND c.follower = 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN c.followee = 0 AND c.follower = 1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN c.followee = 1 AND c.follower = 1 THEN 1 ELSE 0 END),
               COUNT(*)
        FROM ({sql}) c
        GROUP BY c.platform
    """  # noqa: S608 (the inner query is ours, see _candidate_sql)
    result = {n: DirectionCounts(followee_only=0, follower_only=0, mutual=0, total=0) for n in NETWORKS}
    with connection.cursor() as cursor:
        cursor.execute(wrapped, params)
        for net, fe_only, fr_only, mutual, total in cursor.fetchall():
            result[Platform(net)] = DirectionCounts(
                followee_only=int(fe_only), follower_only=int(fr_only), mutual=int(mutual), total=int(total)
            )
    return result


def exported(person_id: int) -> list[dict[str, Any]]:
    """The person's candidates as their export lists them (privacy's ``candidates`` section)."""
    return [
        {
            "network": c.network.value,
            "handle": c.handle,
            "stable_id": c.stable_id,
            "you_follow_them_on_x": c.followee,
            "they_follow_you_on_x": c.follower,
        }
        for c in candidates_for(person_id)
    ]
