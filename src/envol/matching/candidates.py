"""Who of a person's X people is on Bluesky or Mastodon: one set-based SQL query per person.

A person P's X links come from two places (DESIGN §3):

(a) P's own import: its FOLLOWING rows are P's followees, its FOLLOWER rows P's followers. An
    x_key there becomes a person only through a *verified* X account carrying that key.
(b) the imports of others that contain P's verified X key: in J's FOLLOWER list, P follows J's
    owner; in J's FOLLOWING list, J's owner follows P. Only imports whose owner is verified vouch
    for who that owner is, so a claimed import never takes part.

Each person found this way yields their verified Bluesky and Mastodon accounts as candidates, as far
as that person allows (registry.models.Findable, decision 0019):

- blocks and mutes (block.js, mute.js, when the owner asked Envol to honour them) keep people apart:
  P never sees whom P blocked or muted, nor anyone who blocked P;
- a target who chose "confirmed" is shown only when their own verified import names P (the link is
  *corroborated*); "nobody" and "not chosen yet" are shown to nobody;
- a target who chose "everyone" but whom only P's list names (uncorroborated) is shown only within
  P's lifetime allowance of such people (`Disclosure` rows, ENVOL_MATCHING_UNCORROBORATED_LIMIT), lowest
  person id first: this reference reads the allowance and never writes it (materialise does).
The same SQL runs on SQLite and PostgreSQL (no vendor-specific construct), so both give the same
rows; nothing loops over edges in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from django.db import connection

from envol.archive.models import ArchiveImport
from envol.core.config import CONFIG
from envol.core.ids import Platform
from envol.graph.models import Direction, Edge
from envol.matching.models import Disclosure
from envol.registry.models import Account, Findable, Person, Verification

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
    account, edge, imports, person, disclosure = (
        q(m._meta.db_table) for m in (Account, Edge, ArchiveImport, Person, Disclosure)
    )
    verified, x = Verification.VERIFIED.value, Platform.X.value
    following, follower = int(Direction.FOLLOWING), int(Direction.FOLLOWER)
    blocked, muted = int(Direction.BLOCKED), int(Direction.MUTED)
    # `hits` holds one row per list entry linking P and someone: `theirs` says whose list it is (0:
    # P's own, 1: the other's), `ov` whether that list's owner is verified. `people` folds them per
    # person: the flags are 0/1 integers so that MAX() aggregates them the same way on both
    # databases; `confirmed` when the other's own verified list names P, `barred` when P blocked or
    # muted them, or they blocked P.
    sql = f"""
        WITH me AS (
            SELECT x_key FROM {account}
            WHERE person_id = %s AND platform = %s AND verification = %s AND x_key IS NOT NULL
        ),
        hits AS (
            SELECT xa.person_id AS pid, e.direction AS dir, 0 AS theirs, 1 AS ov
            FROM {imports} i
            JOIN {edge} e ON e.archive_import_id = i.id
            JOIN {account} xa ON xa.x_key = e.x_key AND xa.platform = %s AND xa.verification = %s
            WHERE i.person_id = %s
            UNION ALL
            SELECT j.person_id, e.direction, 1, CASE WHEN j.owner_verified = %s THEN 1 ELSE 0 END
            FROM {edge} e
            JOIN {imports} j ON j.id = e.archive_import_id
            WHERE e.x_key IN (SELECT x_key FROM me) AND j.person_id <> %s
        ),
        people AS (
            SELECT pid,
                   MAX(CASE WHEN (theirs = 0 AND dir = %s) OR (theirs = 1 AND ov = 1 AND dir = %s)
                       THEN 1 ELSE 0 END) AS followee,
                   MAX(CASE WHEN (theirs = 0 AND dir = %s) OR (theirs = 1 AND ov = 1 AND dir = %s)
                       THEN 1 ELSE 0 END) AS follower,
                   MAX(CASE WHEN theirs = 1 AND ov = 1 AND dir IN (%s, %s) THEN 1 ELSE 0 END) AS confirmed,
                   MAX(CASE WHEN (theirs = 0 AND dir IN (%s, %s)) OR (theirs = 1 AND dir = %s)
                       THEN 1 ELSE 0 END) AS barred
            FROM hits WHERE pid <> %s GROUP BY pid
        ),
        allowed AS (
            SELECT p.pid, p.followee, p.follower, p.confirmed
            FROM people p JOIN {person} tp ON tp.id = p.pid
            WHERE p.barred = 0 AND (p.followee = 1 OR p.follower = 1)
              AND (tp.findable_by = %s OR (tp.findable_by = %s AND p.confirmed = 1))
        ),
        fresh AS (
            SELECT a.pid, ROW_NUMBER() OVER (ORDER BY a.pid) AS rank
            FROM allowed a
            WHERE a.confirmed = 0
              AND NOT EXISTS (SELECT 1 FROM {disclosure} d
                              WHERE d.person_id = %s AND d.target_person_id = a.pid)
              AND EXISTS (SELECT 1 FROM {account} o WHERE o.person_id = a.pid AND o.verification = %s
                                                      AND o.platform IN (%s, %s))
        ),
        shown AS (
            SELECT a.pid, a.followee, a.follower FROM allowed a
            WHERE a.confirmed = 1
               OR EXISTS (SELECT 1 FROM {disclosure} d WHERE d.person_id = %s AND d.target_person_id = a.pid)
               OR a.pid IN (SELECT f.pid FROM fresh f
                            WHERE f.rank <= %s - (SELECT COUNT(*) FROM {disclosure} u WHERE u.person_id = %s))
        )
        SELECT p.pid AS pid, t.platform AS platform, t.id AS account_id, t.stable_id AS stable_id,
               t.handle AS handle, p.followee AS followee, p.follower AS follower
        FROM shown p
        JOIN {account} t ON t.person_id = p.pid AND t.verification = %s AND t.platform IN (%s, %s)
    """  # noqa: S608 (only quoted table names are formatted in; every value is a parameter)
    networks = [n.value for n in NETWORKS]
    params: list[Any] = [person_id, x, verified]
    params += [x, verified, person_id, True, person_id]
    # In the other's FOLLOWER list P follows its owner; in its FOLLOWING list, its owner follows P.
    params += [following, follower, follower, following, follower, following, blocked, muted, blocked]
    params += [person_id, Findable.EVERYONE.value, Findable.CONFIRMED.value]
    params += [person_id, verified, *networks]
    params += [person_id, CONFIG.matching_uncorroborated_limit, person_id]
    params += [verified, *networks]
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
