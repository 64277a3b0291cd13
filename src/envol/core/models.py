"""Service-wide rows that belong to no domain: the workers' heartbeats."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time each worker said it was alive; `/healthz` reads it."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname} (pid {self.pid})"


class PeriodicJob(models.Model):
    """One periodic job's schedule (envol.core.periodic): the row, not a queued task, says when it
    runs next, so that no crash, wiped queue or broker restart can break its chain."""

    name = models.CharField(max_length=64, primary_key=True)
    next_run_at = models.DateTimeField()
    # The worker running it now ('' when none): a dead worker's run is started again at once.
    running_on = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} (next at {self.next_run_at:%Y-%m-%d %H:%M:%S})"
