"""When each account runs next, and recovery of runs lost with a dead worker.

A run re-enqueues itself (`schedule`) for when its budget refills or its backoff ends; the queued
task's id is kept on the account's AccountDrive row. A worker killed mid-run leaves its task
"running" forever in the queue and its lease to expire: `recover`, called on every worker's
heartbeat, re-enqueues every account that is overdue, not leased, and whose queued run is not
waiting in the queue. A duplicate run is harmless: it finds the lease taken, or nothing to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from envol.core.listparam import ids_in
from envol.core.periodic import each_beat, every
from envol.reconnect.models import AccountDrive, FollowTask
from envol.reconnect.states import TaskState

#: How late a scheduled run may be before `recover` assumes it was lost (queue latency allowance).
GRACE = timedelta(seconds=5)


def schedule(account_id: int, when: datetime | None) -> None:
    """Run the account's executor at `when` (None: nothing to do until something changes)."""
    from envol.reconnect.executor import drive_account

    if when is None:
        AccountDrive.objects.filter(account_id=account_id).update(next_run_at=None, task_id="")
        return
    AccountDrive.objects.bulk_create([AccountDrive(account_id=account_id)], ignore_conflicts=True)
    result = drive_account.using(run_after=when).enqueue(account_id)
    AccountDrive.objects.filter(account_id=account_id).update(next_run_at=when, task_id=str(result.id))


def has_work(account_id: int) -> bool:
    mine = FollowTask.objects.filter(source_id=account_id)
    return mine.filter(
        Q(state=TaskState.READY) | Q(undo_requested=True, state__in=[TaskState.DONE, TaskState.REQUESTED])
    ).exists()


def schedule_if_work(account_id: int, *, now: datetime | None = None) -> None:
    """Schedule a run now unless one is already queued or running soon enough."""
    now = now or timezone.now()
    drive = AccountDrive.objects.filter(account_id=account_id).first()
    if not has_work(account_id):
        return
    if drive is not None and _queued(drive.task_id):
        return  # a queued run picks up the new work (sooner is useless: it waits for its budget)
    schedule(account_id, now)


def _queued(task_id: str) -> bool:
    return bool(task_id) and DBTaskResult.objects.filter(pk=task_id, status="READY").exists()


def recover(*, now: datetime | None = None) -> int:
    """Re-enqueue the runs lost with a dead worker, and wake accounts whose person signed in again."""
    now = now or timezone.now()
    _wake_reauthorised(now)
    overdue = AccountDrive.objects.filter(next_run_at__lte=now - GRACE).filter(
        Q(lease_holder="") | Q(lease_until__lt=now)
    )
    count = 0
    for drive in overdue:
        if not _queued(drive.task_id):
            schedule(drive.account_id, now)
            count += 1
    return count


def _wake_reauthorised(now: datetime) -> None:
    """waiting_auth → ready for accounts the person signed in with again (needs_reauth cleared)."""
    from envol.reconnect import transitions

    waiting = Q(state=TaskState.WAITING_AUTH, source__needs_reauth=False)
    accounts = set(FollowTask.objects.filter(waiting).values_list("source_id", flat=True).distinct())
    if accounts:
        transitions.move(waiting & ids_in("source_id", accounts), TaskState.READY, now=now)
        for account_id in accounts:
            schedule(account_id, now)


@every("reconnect.wake", interval=each_beat, queued=False)
def wake() -> None:
    """Once a heartbeat: promote due automatic tasks and recover lost runs."""
    from envol.reconnect.plan import promote_due

    now = timezone.now()
    if promote_due(now=now):
        accounts = FollowTask.objects.filter(state=TaskState.READY).values_list("source_id", flat=True)
        for account_id in sorted(set(accounts)):
            schedule_if_work(account_id, now=now)
    recover(now=now)
