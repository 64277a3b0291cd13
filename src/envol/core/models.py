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
