"""Following from the "Your people" page: one person, or everyone of a network and direction, now.

A pick is a one-off decision, apart from the standing choice (`ReconnectChoice`): the tasks are
inserted if planning has not made them yet (`plan.insert_missing`, set-based), moved to ready
through the state graph, and marked ``reason="picked"`` so that a later planning run, which
withdraws what no longer matches the standing choice, leaves them alone. The engine then sends them
at the pace of each network, like any other follow (`scheduling.wake_if_work`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from envol.core import reads
from envol.core.ids import Platform
from envol.core.listparam import ids_in, texts_in
from envol.matching import notify, review
from envol.matching.candidates import KnownAccount
from envol.matching.models import Candidate, Kind
from envol.privacy.pending import is_pending, pending_sql
from envol.reconnect import transitions
from envol.reconnect.models import FollowTask
from envol.reconnect.plan import NOT_FOLLOWABLE, PICKED, insert_missing, renew_chosen
from envol.reconnect.scheduling import wake_if_work
from envol.reconnect.states import FOLLOWED, TaskState
from envol.registry.models import Account, Verification

#: Where a pick may take a task from: not yet sent (planned), withdrawn or failed earlier.
PICKABLE = frozenset({TaskState.PLANNED, TaskState.SKIPPED, TaskState.FAILED})


class Direction(enum.StrEnum):
    """The buckets "follow all" offers, as the page counts them (`counts`)."""

    FOLLOWEES = "followees"  # people the person followed on X (mutual ones included)
    FOLLOWERS = "followers"  # people who followed the person on X (mutual ones included)
    ALL = "all"


def _followable(person_id: int) -> Q:
    return Q(person_id=person_id, kind=Kind.VERIFIED, target_account__isnull=False) & ~Q(
        unavailable__in=NOT_FOLLOWABLE
    )


def _direction(direction: Direction) -> Q:
    if direction == Direction.FOLLOWEES:
        return Q(followee=True)
    if direction == Direction.FOLLOWERS:
        return Q(follower=True)
    return Q()


def follow_candidates(person_id: int, candidate_ids: list[int], *, now: datetime | None = None) -> int:
    """Follow these candidates of the person (others' ids are ignored); returns how many were queued."""
    return _follow(person_id, _followable(person_id) & ids_in("pk", candidate_ids), now)


def follow_all(
    person_id: int, network: Platform, direction: Direction, *, now: datetime | None = None
) -> int:
    """Follow every candidate of one network and direction that is not dismissed."""
    where = _followable(person_id) & Q(network=network.value, dismissed_at=None) & _direction(direction)
    return _follow(person_id, where, now)


def _follow(person_id: int, where: Q, now: datetime | None) -> int:
    now = now or timezone.now()
    if is_pending(person_id):
        return 0  # an erasure waiting for Envol's follows to be undone: nothing new starts
    accounts = {
        a.platform: a
        for a in Account.objects.filter(
            person_id=person_id, verification=Verification.VERIFIED,
            platform__in=[Platform.BLUESKY, Platform.MASTODON],
        )
    }  # fmt: skip
    rows = Candidate.objects.filter(where, network__in=list(accounts)).values_list(
        "target_person_id", "network", "target_account_id", "address", "handle", "followee", "follower"
    )
    chosen: dict[str, list[KnownAccount]] = {}
    for pid, net, aid, address, handle, fe, fr in rows:
        one = KnownAccount(
            int(pid or 0), Platform(net), int(aid), str(address), str(handle), bool(fe), bool(fr)
        )
        chosen.setdefault(net, []).append(one)
    queued = 0
    with transaction.atomic():
        for network, known in chosen.items():
            account = accounts[network]
            insert_missing(account, known, now)
            ids = [k.stable_id for k in known]
            targets = Q(source_id=account.pk) & texts_in("target_id", ids)
            renew_chosen(account, ids, now)  # undone at the person's request, or gone: planned afresh
            queued += transitions.move(targets, PICKABLE, TaskState.READY, now=now, reason=PICKED,
                                       last_error="", finished_at=None)  # fmt: skip
    if queued:
        wake_if_work([a.pk for a in accounts.values()], now=now)
    return queued


#: What `counts` gives per network.
FOLLOW_KEYS = ("followees", "followers", "all", "followees_left", "followers_left", "all_left")


def counts(person_id: int) -> dict[str, dict[str, int]]:
    """Per network, what "follow all" and the automatic choice cover: the followable candidates of
    each direction (not dismissed), and among them those not followed nor queued yet."""
    return page_counts(person_id).follow


@dataclass(frozen=True, slots=True)
class PageCounts:
    erasing: bool  # the person's erasure is pending (`privacy.pending`): the page is not shown
    review: dict[str, dict[str, int]]  # `review.counts`
    follow: dict[str, dict[str, int]]  # `counts`
    new: int  # `notify.visit_columns`: new since the last visit
    untold: bool  # and whether the visit has rows to record as told


def page_counts(person_id: int) -> PageCounts:
    return reads.fetch(page_counts_read(person_id))


def page_counts_read(person_id: int) -> reads.Read[PageCounts]:
    """The "Your people" page's two sets of counts, `review.counts` and `counts`, and its visit's
    (`notify.visit_columns`), from one reading of the person's candidates, and whether their
    erasure is pending: one statement, written out
    (the page is reloaded often, and on PostgreSQL each statement costs a round trip and about
    0.1 ms of Envol's CPU through the cursor, docs/performance.md). Always one row at least: the
    erasure's, joined to the counts of each network the person has candidates on."""
    q = connection.ops.quote_name
    busy_states = sorted(s.value for s in {*FOLLOWED, TaskState.READY, TaskState.WAITING_AUTH})
    unfollowable = sorted(str(u) for u in NOT_FOLLOWABLE)
    tasks, accounts = q(FollowTask._meta.db_table), q(Account._meta.db_table)
    followable = (
        "c.kind = %s AND c.target_account_id IS NOT NULL AND c.dismissed_at IS NULL"
        f" AND c.unavailable NOT IN ({', '.join(['%s'] * len(unfollowable))})"
    )
    review_columns, review_params = review.counts_columns()
    visit_columns, visit_params = notify.visit_columns(person_id)
    sql = f"""
        SELECT e.erasing, g.* FROM (SELECT {pending_sql()} AS erasing) e LEFT JOIN (
        SELECT c.network, {review_columns},
               SUM(CASE WHEN c.f AND c.followee THEN 1 ELSE 0 END),
               SUM(CASE WHEN c.f AND c.follower THEN 1 ELSE 0 END),
               SUM(CASE WHEN c.f THEN 1 ELSE 0 END),
               SUM(CASE WHEN c.f AND c.followee AND NOT c.busy THEN 1 ELSE 0 END),
               SUM(CASE WHEN c.f AND c.follower AND NOT c.busy THEN 1 ELSE 0 END),
               SUM(CASE WHEN c.f AND NOT c.busy THEN 1 ELSE 0 END),
               {visit_columns}
        FROM (
            SELECT c.network, c.kind, c.followee, c.follower, c.dismissed_at, c.first_seen_at,
                   c.notified_at, ({followable}) AS f,
                   b.target_id IS NOT NULL AS busy
            FROM {q(Candidate._meta.db_table)} c
            LEFT JOIN (
                SELECT DISTINCT t.network, t.target_id
                FROM {tasks} t JOIN {accounts} s ON s.id = t.source_id
                WHERE s.person_id = %s AND t.state IN ({", ".join(["%s"] * len(busy_states))})
            ) b ON b.network = c.network AND b.target_id = c.address
            WHERE c.person_id = %s
        ) c
        GROUP BY c.network
        ) g ON 1 = 1
    """  # noqa: S608 (quoted names and placeholders only)
    # `busy` is a join with the person's followed or queued targets, read once: as a correlated
    # EXISTS, PostgreSQL ran it once per candidate for each of the three sums that use it (127 ms
    # for 5,150 candidates, docs/performance.md), on every load of the page and poll of its progress.
    followable_params = [Kind.VERIFIED.value, *unfollowable]
    params = [
        person_id,
        *review_params,
        *visit_params,
        *followable_params,
        person_id,
        *busy_states,
        person_id,
    ]
    return reads.Read(sql, params, _page_counts_of)


def _page_counts_of(rows: reads.Rows) -> PageCounts:
    follow = {n.value: dict.fromkeys(FOLLOW_KEYS, 0) for n in (Platform.BLUESKY, Platform.MASTODON)}
    width, end = len(review.COUNT_KEYS), len(review.COUNT_KEYS) + len(FOLLOW_KEYS)
    grouped = [row[1:] for row in rows if row[1] is not None]  # no candidates: the erasure's row only
    for network, *values in grouped:
        if network in follow:
            follow[network] = {k: int(v or 0) for k, v in zip(FOLLOW_KEYS, values[width:end], strict=True)}
    new = sum(int(row[1 + end] or 0) for row in grouped)  # each row: network, counts, then the visit's
    untold = any(row[2 + end] for row in grouped)
    return PageCounts(bool(rows[0][0]), review.counts_of(grouped), follow, new, untold)
