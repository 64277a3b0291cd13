"""When accounts run. The drive row is the schedule (envol.reconnect.drive_states): work appearing
wakes an account (its drive becomes due, and a `drive_due` task is enqueued to claim it); a run
that ends with more to do later names the time, and enqueues a `drive_due` for then.

Those queued tasks are only wake-ups: any of them claims whichever drive is due first, a spare
one finds nothing and ends, and one lost with a broker or a wiped queue is made up by the engine's
heartbeat job (`keep_schedule`), which also promotes automatic follows on the start date and
wakes accounts whose person signed in again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from envol.core.listparam import ids_in
from envol.core.periodic import each_beat
from envol.reconnect import block_run, claims, transitions
from envol.reconnect.drive_states import SCHEDULED, DriveState
from envol.reconnect.executor import drive_due, enqueue_drive
from envol.reconnect.models import AccountDrive, BlockTask, FollowTask
from envol.reconnect.promote import promote_due
from envol.reconnect.runtime import lease_seconds
from envol.reconnect.states import CREATED_BY_ENVOL, TaskState

#: At most this many wake-ups per heartbeat for drives whose own wake-up did not come.
MAKE_UP = 32


def _checks_due(now: datetime) -> Q:
    """A look the engine owes: a ready task's next lookup, a request's re-check, a gone target's
    weekly look (envol.reconnect.rechecks). A stale `check_at` left on any other state is ignored."""
    owed = Q(state__in=[TaskState.READY, TaskState.REQUESTED]) | Q(state=TaskState.SKIPPED, reason="gone")
    return owed & Q(check_at__lte=now)


def _work(now: datetime | None = None) -> Q:
    """Something to send or undo now, or a re-check that fell due."""
    now = now or timezone.now()
    return (
        Q(state=TaskState.READY, check_at__isnull=True)
        | Q(undo_requested=True, state__in=list(CREATED_BY_ENVOL))
        | _checks_due(now)
    )


def has_work(account_id: int) -> bool:
    blocks = BlockTask.objects.filter(block_run.work(account_id))
    return FollowTask.objects.filter(_work(), source_id=account_id).exists() or blocks.exists()


def wake_if_work(account_ids: Iterable[int], *, now: datetime | None = None) -> list[int]:
    """Wake the accounts among these that have something to send or undo; those woken."""
    now = now or timezone.now()
    ids = sorted(set(account_ids))
    if not ids:
        return []
    busy = set(
        FollowTask.objects.filter(_work(now), ids_in("source_id", ids)).values_list("source_id", flat=True)
    )
    # Blocks and mutes to send or undo (decision 0026) wake the account too.
    blocks = BlockTask.objects.filter(ids_in("source_id", ids)).filter(block_run.work_anywhere())
    busy |= set(blocks.values_list("source_id", flat=True))
    woken = claims.wake(busy, now)
    for _ in woken:
        drive_due.enqueue()  # one wake-up each: several workers share the accounts woken together
    return woken


def schedule(account_id: int, when: datetime) -> None:
    """Run the account at `when`, whatever it waited for (operators and tests ask by name)."""
    claims.schedule(account_id, when)
    enqueue_drive(when)


def on_workers_lost(
    sender: object, worker_ids: list[str], now: datetime, quiet_since: datetime, **kwargs: object
) -> int:
    """workers_lost receiver (envol.core.healing): release the dead workers' quiet drives and wake
    them; returns how many of their drives were kept (renewed lately: their runs may be alive)."""
    released, kept = claims.release_lost(worker_ids, now, quiet_since, lease_seconds())
    for _ in range(released):
        drive_due.enqueue()
    return kept


def _wake_reauthorised(now: datetime) -> None:
    """waiting_auth → ready for accounts the person signed in with again (needs_reauth cleared)."""
    waiting = Q(state=TaskState.WAITING_AUTH, source__needs_reauth=False)
    accounts = set(FollowTask.objects.filter(waiting).values_list("source_id", flat=True).distinct())
    if accounts:
        transitions.move(
            waiting & ids_in("source_id", accounts), TaskState.WAITING_AUTH, TaskState.READY, now=now
        )
        wake_if_work(accounts, now=now)


def _wake_checks(now: datetime) -> list[int]:
    """Accounts with a re-check due (a request, a lookup, a gone target's weekly look): a run ends
    idle when nothing but re-checks remains, and this wakes it when the first falls due."""
    due = FollowTask.objects.filter(_checks_due(now), source__needs_reauth=False)
    return wake_if_work(set(due.values_list("source_id", flat=True).distinct()), now=now)


def _make_up(now: datetime) -> int:
    """Wake-ups for drives due for over a heartbeat that nobody claimed (their own was lost)."""
    late = now - each_beat()
    overdue = Q(state__in=list(SCHEDULED), next_run_at__lte=late)
    overdue |= Q(state=DriveState.RUNNING, lease_until__lt=now, worker="")
    count = min(AccountDrive.objects.filter(overdue).count(), MAKE_UP)
    for _ in range(count):
        drive_due.enqueue()
    return count


def keep_schedule(*, now: datetime | None = None) -> None:
    """Once a heartbeat: promote due automatic tasks, wake accounts signed in again or with a
    re-check due, make up for lost wake-ups."""
    now = now or timezone.now()
    if promote_due(now=now):
        accounts = FollowTask.objects.filter(state=TaskState.READY).values_list("source_id", flat=True)
        wake_if_work(set(accounts), now=now)
    _wake_reauthorised(now)
    _wake_checks(now)
    _make_up(now)
