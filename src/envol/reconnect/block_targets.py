"""Whom a person's X blocks and mutes name among the people verified on Envol, as far as those
people's own choices let Envol reveal them (decision 0026): one set-based query per person.

Blocking someone on Bluesky or Mastodon shows the blocker that person's account there (their own
block list names it). An archive is not signed, so a forged block list must reveal no more than a
forged follow list (decision 0019): a target is blocked only when their "who can find me" choice
is *everyone*, or *confirmed* and their own verified archive names the person; and a target no
archive of theirs corroborates takes one place of the person's lifetime allowance of such people
(`matching.Disclosure`, ENVOL_MATCHING_UNCORROBORATED_LIMIT), the very ledger matching spends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from envol.archive.models import ArchiveImport
from envol.core.config import CONFIG
from envol.core.ids import Platform
from envol.core.listparam import ids_in
from envol.graph.models import Direction, Edge
from envol.matching.models import Disclosure
from envol.platforms.blocks import BlockAction
from envol.registry.models import Account, Findable, Person, Verification


@dataclass(frozen=True, slots=True)
class BlockTarget:
    network: Platform
    account_id: int  # the target's Account pk
    stable_id: str  # DID or actor URI
    handle: str
    action: BlockAction  # block when blocked on X (even if also muted), else mute


def _people_sql(person_id: int) -> tuple[str, list[Any]]:
    """(target person, blocked 0/1, corroborated 0/1, disclosed 0/1) for everyone P's own archive
    blocks or mutes who is verified on Envol and whose choice allows P to learn their accounts."""
    q = connection.ops.quote_name
    account, edge, imports, person, disclosure = (
        q(m._meta.db_table) for m in (Account, Edge, ArchiveImport, Person, Disclosure)
    )
    sql = f"""
        WITH me AS (
            SELECT x_key FROM {account}
            WHERE person_id = %s AND platform = %s AND verification = %s AND x_key IS NOT NULL
        ),
        listed AS (
            SELECT xa.person_id AS pid, MAX(CASE WHEN e.direction = %s THEN 1 ELSE 0 END) AS blocked
            FROM {imports} i
            JOIN {edge} e ON e.archive_import_id = i.id AND e.direction IN (%s, %s)
            JOIN {account} xa ON xa.x_key = e.x_key AND xa.platform = %s AND xa.verification = %s
            WHERE i.person_id = %s AND xa.person_id <> %s
            GROUP BY xa.person_id
        ),
        judged AS (
            SELECT l.pid, l.blocked, tp.findable_by AS findable,
                   CASE WHEN EXISTS (
                       SELECT 1 FROM {imports} j JOIN {edge} f ON f.archive_import_id = j.id
                       WHERE j.person_id = l.pid AND j.owner_verified = %s
                         AND f.x_key IN (SELECT x_key FROM me)) THEN 1 ELSE 0 END AS corroborated,
                   CASE WHEN EXISTS (
                       SELECT 1 FROM {disclosure} d WHERE d.person_id = %s AND d.target_person_id = l.pid)
                       THEN 1 ELSE 0 END AS disclosed
            FROM listed l JOIN {person} tp ON tp.id = l.pid
        )
        SELECT pid, blocked, corroborated, disclosed FROM judged
        WHERE findable = %s OR (findable = %s AND corroborated = 1)
        ORDER BY pid
    """  # noqa: S608 (only quoted table names are formatted in; every value is a parameter)
    x, verified = Platform.X.value, Verification.VERIFIED.value
    blocked, muted = int(Direction.BLOCKED), int(Direction.MUTED)
    params: list[Any] = [person_id, x, verified, blocked, blocked, muted, x, verified, person_id, person_id]
    params += [True, person_id, Findable.EVERYONE.value, Findable.CONFIRMED.value]
    return sql, params


def block_targets(person_id: int, now: datetime) -> list[BlockTarget]:
    """The accounts to block or mute for the person; spends their allowance on the uncorroborated
    targets it reveals for the first time (Disclosure rows, written in one statement)."""
    sql, params = _people_sql(person_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    left = CONFIG.matching_uncorroborated_limit - Disclosure.objects.filter(person_id=person_id).count()
    kept: dict[int, bool] = {}
    fresh: list[int] = []
    for pid, blocked, corroborated, disclosed in rows:
        if not corroborated and not disclosed:
            if len(fresh) >= left:
                continue  # the allowance is spent: this one stays unrevealed
            fresh.append(int(pid))
        kept[int(pid)] = bool(blocked)
    Disclosure.objects.bulk_create(
        [Disclosure(person_id=person_id, target_person_id=pid, first_at=now) for pid in fresh],
        ignore_conflicts=True,
    )
    accounts = Account.objects.filter(
        ids_in("person_id", list(kept)),
        verification=Verification.VERIFIED,
        platform__in=[Platform.BLUESKY.value, Platform.MASTODON.value],
    ).values_list("pk", "person_id", "platform", "stable_id", "handle")
    return [
        BlockTarget(
            Platform(net),
            int(pk),
            str(sid),
            str(handle),
            BlockAction.BLOCK if kept[pid] else BlockAction.MUTE,
        )
        for pk, pid, net, sid, handle in accounts.order_by("pk")
    ]


def _action(blocked: bool) -> BlockAction:
    return BlockAction.BLOCK if blocked else BlockAction.MUTE
