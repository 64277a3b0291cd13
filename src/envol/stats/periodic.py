"""Periodic background work: a periodic task re-enqueues itself for its next run.

django.tasks has no scheduler. Each periodic task, when it has run (or failed), enqueues its next
run with `run_after`; `ensure_scheduled()` (called when a worker starts, and by `envol figures`)
enqueues any periodic task that has no run waiting, so the chain survives a crash or a wiped queue.
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import Task, TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from envol.core.config import CONFIG

#: Dotted paths of the periodic tasks.
PERIODIC: tuple[str, ...] = ("envol.stats.tasks.refresh_public_figures",)


def interval() -> timedelta:
    return timedelta(minutes=CONFIG.figures_every_minutes)


def _task(path: str) -> Task:  # type: ignore[type-arg]
    task: Task = import_string(path)  # type: ignore[type-arg]
    return task


def waiting(path: str) -> bool:
    return DBTaskResult.objects.filter(task_path=path, status=TaskResultStatus.READY).exists()


def schedule_next(path: str) -> None:
    """Enqueue the next run of a periodic task, one interval from now, unless one already waits."""
    if not waiting(path):
        _task(path).using(run_after=timezone.now() + interval()).enqueue()


def ensure_scheduled() -> int:
    """Enqueue, to run at once, each periodic task that has no run waiting; returns how many."""
    started = 0
    for path in PERIODIC:
        if not waiting(path):
            _task(path).enqueue()
            started += 1
    return started
