"""The engine's side of pacing for reputation (envol.reconnect.pacing holds the rules): watch the
person's own account, cap each batch by the pace, and order follows so that follow-backs come first.

- `watch`: before each run's follows (and every ENVOL_PACING_CHECK_EVERY follows), read the source
  account's standing through its port; a spam-like label or a limitation pauses the account at once
  (paused_reason `labelled`), and only the person lifts that pause (`resume`). A standing the
  platform cannot give now (its AppView down) leaves the last counts known in force.
- `paced`: how many of the follows the budget allows the pace allows now, or when to come back
  (the follow-back and posts rules hold the account with a reason that lifts by itself).
- `ordered`: the ready tasks in the order of `pacing.rank`.
- `waiting_back`: accounts verified on Envol that wait to follow this one back (woken at once).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from envol.core.config import CONFIG
from envol.platforms.follows import FollowPort
from envol.reconnect import budgets, pacing
from envol.reconnect.models import FollowTask, Pace, ReconnectChoice
from envol.reconnect.runtime import Run, follow_policy, pacing_limits, pacing_on
from envol.reconnect.states import FOLLOWED, TaskState

logger = logging.getLogger("envol.reconnect")


def _recheck(run: Run) -> datetime:
    return run.now() + timedelta(hours=CONFIG.pacing_recheck_hours)


def pace_state(run: Run) -> pacing.State:
    return dict(run.budget.get("pace") or {})


def held_by_person(run: Run) -> datetime | None:
    """An account the person must resume: nothing is followed; looked at again later (undo runs)."""
    return _recheck(run) if run.drive.paused_reason in pacing.PERSON_LIFTS else None


def watch(run: Run, port: FollowPort) -> datetime | None:
    """Read the account's own labels and counts; a spam-like label or a limitation pauses it at
    once (returns when to look again), otherwise None."""
    before = port.requests
    try:
        standing = port.standing()  # None: not known now (the last counts known stay in force)
    finally:
        policy = follow_policy(run.account.platform)
        run.budget = budgets.charge(policy, run.budget, {"requests": port.requests - before}, run.ts())
        run.budget = budgets.observe(policy, run.budget, port.rate_limit, run.ts())
    run.budget = {**run.budget, "pace": pacing.remember(pace_state(run), standing, run.ts())}
    found = pacing.alarms(standing.labels, CONFIG.pacing_alarm_labels) if standing is not None else ()
    if not found:
        return None
    run.drive.paused_reason = pacing.Hold.LABELLED.value
    run.drive.last_error = f"{pacing.Hold.LABELLED.value}:{','.join(found)}"[:255]
    logger.warning("account %s: labelled %s by its network: follows paused", run.account.pk, found)
    return _recheck(run)


def is_fast(run: Run) -> bool:
    return ReconnectChoice.objects.filter(account_id=run.account.pk, pace=Pace.FAST).exists()


def paced(run: Run, allowed: int, *, fast: bool) -> int | datetime:
    """Of `allowed` follows (the budget's), how many the pace allows now; or when to come back."""
    if not pacing_on():
        return allowed
    limits = pacing_limits()
    decision = pacing.allowed(limits, pace_state(run), run.ts(), fast=fast)
    if decision.hold is not None:
        run.drive.paused_reason = decision.hold.value
        run.drive.last_error = f"{decision.hold.value}:{pacing.following_now(pace_state(run))}"
        return _recheck(run)
    if decision.count == 0:
        return datetime.fromtimestamp(decision.wait_until or run.ts(), tz=UTC)
    return min(allowed, decision.count)


def sent(run: Run, count: int) -> None:
    """Count follows about to be sent (before the write: a write whose answer is lost counts)."""
    if pacing_on():
        run.budget = {**run.budget, "pace": pacing.record(pacing_limits(), pace_state(run), count, run.ts())}


def ordered(ready: QuerySet[FollowTask], account_id: int) -> QuerySet[FollowTask]:
    """Ready tasks in the order of pacing.rank: those who follow the account already (through
    Envol), mutuals on X, those who followed the person on X, the rest; then the oldest first."""
    # The accounts that follow this one through Envol, as one uncorrelated subquery: the database
    # reads that set once per batch (SQLite: a temporary index; PostgreSQL: a hashed subplan). A
    # correlated EXISTS per ready task read the account's incoming follows again for every task,
    # which made each batch quadratic in the ready tasks (docs/performance.md).
    follows_me = FollowTask.objects.filter(target_account_id=account_id, state__in=list(FOLLOWED)).values(
        "source_id"
    )
    rank = Case(
        When(Q(target_account_id__in=follows_me), then=Value(0)),
        When(Q(followee=True, follower=True), then=Value(1)),
        When(Q(follower=True), then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return ready.annotate(rank=rank).order_by("rank", "pk")


def waiting_back(account_id: int, targets: Iterable[int]) -> set[int]:
    """Accounts among `targets` with a ready follow of `account_id`: they follow it back next."""
    ids = sorted(set(targets))
    if not ids:
        return set()
    rows = FollowTask.objects.filter(
        source_id__in=ids, target_account_id=account_id, state=TaskState.READY
    ).values_list("source_id", flat=True)
    return set(rows)
