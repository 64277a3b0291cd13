"""Turn a person's candidates and choices into FollowTask rows: set-based, idempotent.

`plan_for_persons` is the one entry point (matching's `candidates_changed` signal enqueues it,
envol.reconnect.hooks). It skips persons whose erasure is pending. For each person it reads the
candidates ONCE from matching's materialised table (`candidates_rows`: verified, not dismissed,
not gone or labelled as impersonation), then:

1. inserts the missing tasks of every chosen (account, direction) in one INSERT … SELECT over a JSON
   array, ignoring rows that exist (the (source, target) constraint makes planning idempotent);
2. withdraws unsent tasks that no longer match a choice (→ skipped "not_chosen") and restores the
   ones chosen again;
3. makes automatic tasks ready once ENVOL_RECONNECT_FROM has come (envol.reconnect.promote), and
   wakes the accounts that have work (envol.reconnect.scheduling).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from envol.core.ids import Platform
from envol.core.listparam import texts_in
from envol.matching.candidates import KnownAccount
from envol.matching.models import Candidate as MatchedCandidate
from envol.matching.models import Kind, Unavailable
from envol.platforms.errors import ErrorCode
from envol.privacy.pending import persons_pending
from envol.reconnect import transitions
from envol.reconnect.models import Directions, FollowTask, ReconnectChoice
from envol.reconnect.promote import promote_due
from envol.reconnect.scheduling import wake_if_work
from envol.reconnect.states import OPEN, TaskState, sources_of
from envol.registry.models import Account, Verification

NETWORKS = (Platform.BLUESKY.value, Platform.MASTODON.value)
#: The reason a task carries when the person picked it on the "Your people" page (envol.reconnect.picks):
#: a one-off decision that no later planning run withdraws, whatever the standing choice says.
PICKED = "picked"


#: Targets the engine never follows: gone for good, or labelled as impersonation by the platform.
NOT_FOLLOWABLE = (
    Unavailable.DEACTIVATED,
    Unavailable.DELETED,
    Unavailable.SUSPENDED,
    Unavailable.IMPERSONATION,
)


def candidates_rows(person_id: int) -> list[KnownAccount]:
    """The person's verified candidates from matching's table, minus dismissed and unfollowable ones.

    Suggestions are never followed automatically; bridged contacts are shown on the review page and
    not followed by the engine yet (their bridge address needs resolving to an account first).
    """
    rows = (
        MatchedCandidate.objects.filter(
            person_id=person_id, kind=Kind.VERIFIED, dismissed_at=None, target_account__isnull=False
        )
        .exclude(unavailable__in=NOT_FOLLOWABLE)
        .values_list(
            "target_person_id", "network", "target_account_id", "address", "handle", "followee", "follower"
        )
    )
    return [
        KnownAccount(int(pid or 0), Platform(net), int(aid), str(address), str(handle), bool(fe), bool(fr))
        for pid, net, aid, address, handle, fe, fr in rows
    ]


def wanted(candidate: KnownAccount, directions: str) -> bool:
    if directions == Directions.BOTH:
        return candidate.followee or candidate.follower
    if directions == Directions.FOLLOWEES:
        return candidate.followee
    if directions == Directions.FOLLOWERS:
        return candidate.follower
    return False


def plan_for_persons(
    person_ids: Iterable[int], *, now: datetime | None = None, renew: Iterable[int] = ()
) -> int:
    """Plan (and schedule) the follows of these persons; returns how many tasks were inserted or
    planned again. `renew`: accounts whose person just chose again, whose chosen targets that an
    undo removed or that were called gone are planned afresh (matching's refreshes never do that)."""
    now = now or timezone.now()
    inserted = 0
    touched: set[int] = set()
    wanted_ids = set(person_ids)
    renewed = set(renew)
    # A person whose erasure waits for their follows to be undone gets no new follow, whatever
    # matching finds meanwhile (envol.privacy.pending).
    for person_id in sorted(wanted_ids - persons_pending(wanted_ids)):
        choices = list(
            ReconnectChoice.objects.filter(
                account__person_id=person_id,
                account__verification=Verification.VERIFIED,
                account__platform__in=NETWORKS,
            ).select_related("account")
        )
        if not choices:
            continue
        candidates = candidates_rows(person_id)
        with transaction.atomic():
            for choice in choices:
                inserted += _plan_account(choice, candidates, now, renew=choice.account_id in renewed)
                touched.add(choice.account_id)
    if touched:
        promote_due(touched, now=now)
        wake_if_work(touched, now=now)
    return inserted


def _plan_account(
    choice: ReconnectChoice, candidates: list[KnownAccount], now: datetime, *, renew: bool = False
) -> int:
    account: Account = choice.account
    chosen = [c for c in candidates if c.network == account.platform and wanted(c, choice.directions)]
    # A newsroom may choose tens of thousands of targets: the list goes as one parameter.
    ids = [c.stable_id for c in chosen]
    mine = Q(source_id=account.pk)
    # Withdraw what was planned but is no longer chosen; restore what is chosen again.
    transitions.move(
        mine & ~texts_in("target_id", ids) & Q(sent_at__isnull=True) & Q(record_key="") & ~Q(reason=PICKED),
        OPEN,
        TaskState.SKIPPED,
        now=now,
        reason="not_chosen",
        check_at=None,
    )
    transitions.move(
        mine & texts_in("target_id", ids) & Q(reason="not_chosen"),
        TaskState.SKIPPED,
        TaskState.PLANNED,
        now=now,
        reason="",
        finished_at=None,
    )
    renewed = renew_chosen(account, ids, now) if renew else 0
    return renewed + insert_missing(account, chosen, now)


def renew_chosen(account: Account, target_ids: list[str], now: datetime) -> int:
    """Chosen again: undone → planned and skipped as gone → planned, as new tasks (no record key:
    Bluesky draws a new one, Mastodon resolves the target again; `created_at` now, so that the
    account's follows are read again before anything is sent and exactly-once holds)."""
    chosen = Q(source_id=account.pk) & texts_in("target_id", target_ids)
    fresh = {"reason": "", "last_error": "", "record_key": "", "followed_acct": "", "sent_at": None,
             "undo_requested": False, "finished_at": None, "check_at": None, "checks": 0, "misses": 0,
             "missed_since": None, "created_at": now}  # fmt: skip
    moved = transitions.move(chosen, TaskState.UNDONE, TaskState.PLANNED, now=now, **fresh)
    gone = chosen & Q(reason=ErrorCode.GONE.value)
    return moved + transitions.move(gone, TaskState.SKIPPED, TaskState.PLANNED, now=now, **fresh)


def insert_missing(account: Account, chosen: list[KnownAccount], now: datetime) -> int:
    """One INSERT … SELECT over a JSON array; rows already there are left alone."""
    if not chosen:
        return 0
    rows = [[c.account_id, c.stable_id, c.handle, int(c.followee), int(c.follower)] for c in chosen]
    table = connection.ops.quote_name(FollowTask._meta.db_table)
    columns = (
        "source_id, network, target_account_id, target_id, target_handle, followee, follower, state, reason, "
        "record_key, followed_acct, undo_requested, last_error, checks, misses, created_at, updated_at"
    )
    if connection.vendor == "postgresql":
        pick = "(e->>{i})"
        source = "jsonb_array_elements(%s::jsonb) e"
        casts = ["::bigint", "", "", "::int::boolean", "::int::boolean"]
    else:
        pick = "json_extract(e.value, '$[{i}]')"
        source = "json_each(%s) e"
        casts = ["", "", "", "", ""]
    values = [pick.format(i=i) + casts[i] for i in range(5)]
    sql = f"""
        INSERT INTO {table} ({columns})
        SELECT %s, %s, {values[0]}, {values[1]}, {values[2]}, {values[3]}, {values[4]}, %s,
               '', '', '', %s, '', 0, 0, %s, %s
        FROM {source} WHERE true
        ON CONFLICT (source_id, target_id) DO NOTHING
    """  # noqa: S608 (only quoted names and fixed fragments are formatted in)
    params: list[Any] = [account.pk, account.platform, TaskState.PLANNED.value, False, now, now]
    params.append(json.dumps(rows))
    # The JSON array is the last placeholder in the text (FROM), after the constants of SELECT.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(int(cursor.rowcount), 0)


def pick(account: Account, task_ids: list[int], *, now: datetime | None = None) -> int:
    """By hand: the person picked these targets on the review page."""
    picked = Q(source_id=account.pk, pk__in=task_ids)
    moved = transitions.move(picked, sources_of(TaskState.READY), TaskState.READY, now=now)
    wake_if_work([account.pk])
    return moved
