"""What `progress.progress_for` reads: a person's linked accounts with their choice and drive, and
their tasks' tallies, in two statements however many accounts and tasks there are.

Written out, not built with the ORM: the "Your people" page is reloaded often and its JSON twin
polled every few seconds, and compiling a queryset cost more CPU than running it (bench/load.py,
"review"; docs/performance.md). The statements are plain SQL that SQLite and PostgreSQL read alike:
quoted table names, placeholders for every value, booleans tested as `col` and `NOT col`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from envol.core import reads
from envol.matching import candidates
from envol.reconnect.models import AccountDrive, FollowTask, ReconnectChoice
from envol.reconnect.states import CREATED_BY_ENVOL, TaskState
from envol.registry.models import Account, Verification

S = TaskState
RECENT_ERRORS = 5
NETWORKS = tuple(n.value for n in candidates.NETWORKS)  # the networks Envol follows on


@dataclass(frozen=True)
class Linked:
    """One verified Bluesky or Mastodon account of the person, with its choice and drive (None for
    the choice's fields while the person has not chosen; `has_drive` False before the engine ran)."""

    account_id: int
    network: str
    handle: str
    needs_reauth: bool
    directions: str | None
    mode: str | None
    pace: str | None
    has_drive: bool
    budget: dict[str, Any]
    paused_reason: str
    last_error: str


@dataclass
class Tally:
    """One account's task counts, read with every other account's in one grouped statement."""

    states: dict[str, int] = field(default_factory=dict)
    gone: int = 0  # targets called gone: the person may take them up again
    unchecked: int = 0  # requests no longer re-checked: likewise
    undoable: int = 0  # follows Envol made and could remove, not asked to yet (views.undoable)
    recent: list[tuple[str, str]] = field(default_factory=list)  # (handle, reason), newest first


def _table(model: type[Any]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _marks(values: list[Any] | tuple[Any, ...]) -> str:
    return ", ".join(["%s"] * len(values))


def _accounts_where(person_id: int) -> tuple[str, list[Any]]:
    """The condition on the person's accounts ``a`` that progress covers, with its parameters."""
    where = f"a.person_id = %s AND a.verification = %s AND a.platform IN ({_marks(NETWORKS)})"
    return where, [person_id, Verification.VERIFIED.value, *NETWORKS]


def linked_read(person_id: int) -> reads.Read[list[Linked]]:
    """The person's verified Bluesky and Mastodon accounts, by network then id."""
    where, params = _accounts_where(person_id)
    sql = f"""
        SELECT a.id, a.platform, a.handle, a.needs_reauth, ch.directions, ch.mode, ch.pace,
               d.account_id, d.budget, d.paused_reason, d.last_error
        FROM {_table(Account)} a
        LEFT JOIN {_table(ReconnectChoice)} ch ON ch.account_id = a.id
        LEFT JOIN {_table(AccountDrive)} d ON d.account_id = a.id
        WHERE {where}
        ORDER BY a.platform, a.id
    """  # noqa: S608 (quoted names and placeholders only)
    return reads.Read(sql, params, _linked_of)


def _linked_of(rows: reads.Rows) -> list[Linked]:
    found = []
    for pk, network, handle, reauth, directions, mode, pace, drive, budget, paused, error in rows:
        if isinstance(budget, str):  # SQLite's text; PostgreSQL's driver decodes jsonb itself
            budget = json.loads(budget)
        found.append(Linked(int(pk), network, handle, bool(reauth), directions, mode, pace,
                            drive is not None, dict(budget or {}), paused or "", error or ""))  # fmt: skip
    return found


def tallies_read(person_id: int) -> reads.Read[dict[int, Tally]]:
    """Per account that `linked` reads: tasks per state, those a retry takes up, those an undo
    removes, and the newest refusals (RECENT_ERRORS at most, "no longer chosen" left out). One
    statement: the grouped counts (part 0) and the newest refusals (part 1, in order) as two parts
    of one union, padded to the same columns. An account without tasks has no row (`Tally()`)."""
    tasks, created = _table(FollowTask), sorted(s.value for s in CREATED_BY_ENVOL)
    refused = [S.FAILED.value, S.SKIPPED.value]
    where, where_params = _accounts_where(person_id)
    sources = f"SELECT a.id FROM {_table(Account)} a WHERE {where}"  # noqa: S608 (as above)
    sql = f"""
        SELECT 0 AS part, source_id, 0 AS n, state, COUNT(*) AS total,
               SUM(CASE WHEN state = %s AND reason = %s THEN 1 ELSE 0 END) AS gone,
               SUM(CASE WHEN state = %s AND check_at IS NULL THEN 1 ELSE 0 END) AS unchecked,
               SUM(CASE WHEN state IN ({_marks(created)}) AND record_key > '' AND NOT undo_requested
                        THEN 1 ELSE 0 END) AS undoable,
               NULL AS handle, NULL AS reason
        FROM {tasks} WHERE source_id IN ({sources})
        GROUP BY source_id, state
        UNION ALL
        SELECT 1, source_id, n, NULL, NULL, NULL, NULL, NULL, target_handle, reason FROM (
            SELECT source_id, target_handle, reason,
                   ROW_NUMBER() OVER (PARTITION BY source_id ORDER BY updated_at DESC, id DESC) AS n
            FROM {tasks}
            WHERE source_id IN ({sources}) AND state IN ({_marks(refused)}) AND reason <> %s
        ) newest
        WHERE n <= %s
        ORDER BY part, source_id, n
    """  # noqa: S608 (quoted names and placeholders only)
    params: list[Any] = [S.SKIPPED.value, "gone", S.REQUESTED.value, *created, *where_params,
              *where_params, *refused, "not_chosen", RECENT_ERRORS]  # fmt: skip
    return reads.Read(sql, params, _tallies_of)


def _tallies_of(rows: reads.Rows) -> dict[int, Tally]:
    found: dict[int, Tally] = {}
    for part, source_id, _n, state, n, gone, unchecked, undoable, handle, reason in rows:
        tally = found.setdefault(source_id, Tally())
        if part == 0:
            tally.states[state] = int(n)
            tally.gone += int(gone or 0)
            tally.unchecked += int(unchecked or 0)
            tally.undoable += int(undoable or 0)
        else:
            tally.recent.append((handle, reason))
    return found
