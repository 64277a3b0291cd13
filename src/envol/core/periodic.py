"""Periodic jobs, declared once: `@every(name, interval=…)` in the module that owns the work, or,
when that module is too heavy for every process to import, in its app's ready() on a stand-in
named by dotted path (`every(…)(Deferred("envol.x.y.work"))`, envol.core.deferred).

django.tasks has no scheduler, so the schedule is a row per job (core.models.PeriodicJob). Every
worker's heartbeat calls `tick`: it heals what dead workers left (envol.core.healing), then claims
each job whose time has come with one conditional UPDATE (so a job runs once per interval whatever
the number of workers) and starts it:

- `queued=True` (the default): enqueued as the `run_job` task, for work that takes a while;
- `queued=False`: run at once in the heartbeat's thread, for quick housekeeping that must not
  leave a row in the queue every few seconds.

Nothing re-enqueues itself: a run that crashed, failed or was lost with its queue is simply due
again at its next interval, and at once when the worker running it died.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.tasks import task
from django.utils import timezone

from envol.core.config import CONFIG
from envol.core.healing import current_worker
from envol.core.models import PeriodicJob

logger = logging.getLogger("envol.periodic")

Work = TypeVar("Work", bound=Callable[[], object])
Interval = Callable[[], timedelta]


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    work: Callable[[], object]
    interval: Interval
    queued: bool
    at_start: bool  # the first run comes as soon as a worker sees the job (else after one interval)


#: Every declared job by name (filled as the owning modules are imported, from their apps' ready()).
JOBS: dict[str, Job] = {}


def every(
    name: str, *, interval: Interval | timedelta, queued: bool = True, at_start: bool = True
) -> Callable[[Work], Work]:
    """Declare `work` as the periodic job `name`; `interval` may be a callable, read at each run
    (settings change in tests and between deployments)."""
    period: Interval = (lambda: interval) if isinstance(interval, timedelta) else interval

    def declare(work: Work) -> Work:
        if name in JOBS and JOBS[name].work is not work:
            raise ValueError(f"periodic job {name} is declared twice")
        JOBS[name] = Job(name, work, period, queued, at_start)
        return work

    return declare


def _claim(job: Job, now: datetime) -> bool:
    first = now if job.at_start else now + job.interval()
    PeriodicJob.objects.bulk_create([PeriodicJob(name=job.name, next_run_at=first)], ignore_conflicts=True)
    claimed = PeriodicJob.objects.filter(name=job.name, next_run_at__lte=now).update(
        next_run_at=now + job.interval()
    )
    return claimed == 1


def start_due(worker_id: str, *, now: datetime | None = None) -> list[str]:
    """Start every job whose time has come (claimed once across all workers); their names."""
    now = now or timezone.now()
    started = []
    for job in list(JOBS.values()):
        try:
            if not _claim(job, now):
                continue
            started.append(job.name)
            if job.queued:
                run_job.enqueue(job.name)
            else:
                perform(job.name, worker_id)
        except Exception:  # one broken job must not stop the others, nor the heartbeat
            logger.exception("periodic job %s failed to start", job.name)
    return started


def perform(name: str, worker_id: str) -> object:
    """Run a job now, recording on its row which worker runs it (what healing reads)."""
    job = JOBS[name]
    PeriodicJob.objects.filter(name=name).update(running_on=worker_id, started_at=timezone.now())
    try:
        return job.work()
    finally:
        PeriodicJob.objects.filter(name=name).update(running_on="", finished_at=timezone.now())


@task()
def run_job(name: str) -> object:
    return perform(name, current_worker())


def each_beat() -> timedelta:
    """The interval of housekeeping that runs once per heartbeat across all workers."""
    return timedelta(seconds=CONFIG.heartbeat_seconds)


def ran_now(name: str, *, now: datetime | None = None) -> None:
    """The job's work was just done outside its schedule (a command): its next run is one
    interval from now."""
    now = now or timezone.now()
    later = now + JOBS[name].interval()
    PeriodicJob.objects.bulk_create([PeriodicJob(name=name, next_run_at=later)], ignore_conflicts=True)
    PeriodicJob.objects.filter(name=name).update(next_run_at=later)
