"""What a dead worker leaves behind is healed by the living ones, on their heartbeat.

A worker is dead once its heartbeat is older than two intervals (ENVOL_HEARTBEAT_SECONDS). The
first live worker to notice removes its heartbeat row and, in the same transaction, releases what
it held: its queued tasks still marked running are marked failed (django-tasks-db leaves them
running for ever), its periodic jobs are due again at once, and every package that claims rows
for a worker (the reconnection engine's drives) releases them on `workers_lost`. A SIGKILLed
worker's work is thus taken over within about two heartbeats, not after a whole lease.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.dispatch import Signal
from django.tasks import TaskResultStatus, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from envol.core.config import CONFIG
from envol.core.models import PeriodicJob, WorkerHeartbeat

logger = logging.getLogger("envol.worker")

#: Sent inside the transaction that removes dead workers' heartbeats, with `worker_ids`, `now` and
#: `quiet_since`: receivers release what those workers claimed and showed no sign of life for since
#: then, and return how many claims they kept (quick, set-based, idempotent).
workers_lost = Signal()

BEATS_BEFORE_DEAD = 2
LOST = "envol.core.healing.WorkerLost"

_current_worker = ""


def set_current_worker(worker_id: str) -> None:
    """Name the heartbeat worker of this process (what its claims record)."""
    global _current_worker
    _current_worker = worker_id


def current_worker() -> str:
    """This process's worker id ('' outside a worker: its claims then expire by time only)."""
    return _current_worker


def dead_after() -> timedelta:
    return timedelta(seconds=CONFIG.heartbeat_seconds * BEATS_BEFORE_DEAD)


def heal(now: datetime) -> list[str]:
    """Release what the dead workers held; the ids of those this call healed.

    A claim still renewed lately shows its run alive (a heartbeat can lag behind a busy machine):
    receivers of `workers_lost` return how many of the worker's claims they kept for that reason,
    and the worker is looked at again on the next beat instead of being forgotten."""
    horizon = now - dead_after()
    healed = []
    for worker_id in WorkerHeartbeat.objects.filter(seen_at__lt=horizon).values_list("worker_id", flat=True):
        with transaction.atomic():
            replies = workers_lost.send(sender=None, worker_ids=[worker_id], now=now, quiet_since=horizon)
            if any(isinstance(kept, int) and kept for _, kept in replies):
                continue
            # Two live workers may notice together: the one whose DELETE removed the row heals.
            if not WorkerHeartbeat.objects.filter(worker_id=worker_id, seen_at__lt=horizon).delete()[0]:
                continue
            _fail_running_tasks(worker_id, now)
            PeriodicJob.objects.filter(running_on=worker_id).update(running_on="", next_run_at=now)
        logger.warning("worker %s silent since before %s: what it held is released", worker_id, horizon)
        healed.append(worker_id)
    return healed


def _fail_running_tasks(worker_id: str, now: datetime) -> None:
    if not isinstance(task_backends["default"], DatabaseBackend):
        return  # a broker's tasks are its own business: it redelivers what a dead consumer held
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list("pk", "worker_ids")
    mine = [pk for pk, workers in running if workers and workers[-1] == worker_id]
    DBTaskResult.objects.filter(pk__in=mine, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=LOST,
        traceback=f"worker {worker_id} died while running this task",
    )
