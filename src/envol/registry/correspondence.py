"""Verified correspondences for matching: X key → the same person's verified Bluesky and Mastodon.

Only persons who proved their X account take part (DESIGN §2): a claimed X account never appears.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from envol.core.ids import Platform
from envol.registry.models import Account, Verification


@dataclass(frozen=True, slots=True)
class Correspondence:
    person_id: int
    bluesky_did: str | None
    mastodon_actor: str | None
    mastodon_acct: str | None  # `user@domain`, as of the person's last sign-in


def verified_accounts_for_x_keys(x_keys: Iterable[int]) -> dict[int, Correspondence]:
    """x_key → Correspondence for every key owned by a verified X account, in one SQL query.

    The keys travel as one parameter (a PostgreSQL array, a JSON array on SQLite), so millions of
    keys neither hit a bound-variable limit nor need one query per chunk.
    """
    keys = sorted({int(key) for key in x_keys})
    if not keys:
        return {}
    table = connection.ops.quote_name(Account._meta.db_table)
    keys_param: Any
    if connection.vendor == "postgresql":
        member, keys_param = "x.x_key = ANY(%s::bigint[])", keys
    else:
        member, keys_param = "x.x_key IN (SELECT value FROM json_each(%s))", json.dumps(keys)
    verified = Verification.VERIFIED.value
    sql = f"""
        SELECT x.x_key, x.person_id, b.stable_id, m.stable_id, m.handle
        FROM {table} x
        LEFT JOIN {table} b ON b.person_id = x.person_id AND b.platform = %s AND b.verification = %s
        LEFT JOIN {table} m ON m.person_id = x.person_id AND m.platform = %s AND m.verification = %s
        WHERE x.platform = %s AND x.verification = %s AND {member}
    """  # noqa: S608 (only the quoted table name and a fixed clause are formatted in)
    params: list[Any] = [Platform.BLUESKY.value, verified, Platform.MASTODON.value, verified]
    params += [Platform.X.value, verified, keys_param]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {int(k): Correspondence(int(p), did, actor, acct) for k, p, did, actor, acct in rows}
