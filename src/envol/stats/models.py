"""Snapshots of the public figures, taken by a periodic task; pages only read them.

A snapshot is one row per run and one value row per (metric, key): a metric with one number has the
key "" (persons), a metric per network or per status has one row per key. A new metric needs no
new column: it is registered in envol.stats.metrics and starts appearing in the next snapshot.
"""

from __future__ import annotations

from django.db import models


class Snapshot(models.Model):
    taken_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"snapshot {self.pk} at {self.taken_at:%Y-%m-%d %H:%M}"


class SnapshotValue(models.Model):
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="values")
    metric = models.CharField(max_length=64)
    key = models.CharField(max_length=64, blank=True)
    value = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "metric", "key"], name="stats_value_unique"),
        ]
        indexes = [models.Index(fields=["metric", "snapshot"], name="stats_value_metric")]

    def __str__(self) -> str:
        return f"{self.metric}[{self.key}] = {self.value}"
