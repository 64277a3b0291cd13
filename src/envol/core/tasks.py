"""Core's periodic task: expired cache entries (rate-limit counters) go even when nobody visits.

Kept apart from `envol.core.cache`, which settings import: a task defined while settings load would
bind to Django's default task backend instead of Envol's.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import caches
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from envol.core.cache import purge_expired

PURGE_TASK_EVERY = timedelta(minutes=10)  # web processes also purge, at most once a minute each
TASK_PATH = "envol.core.tasks.purge_task"

logger = logging.getLogger("envol.cache")


@task()
def purge_task() -> int:
    """The periodic purge, so that counters go even when nobody visits; schedules its next run."""
    purged = purge_expired(caches["default"])
    logger.info("cache purge", extra={"purged": purged})
    schedule_purge(after=PURGE_TASK_EVERY)
    return purged


def schedule_purge(*, after: timedelta = timedelta(0)) -> bool:
    """Enqueue the next purge unless one is waiting (a worker startup hook); True when enqueued."""
    if DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").exists():
        return False
    purge_task.using(run_after=timezone.now() + after).enqueue()
    return True
