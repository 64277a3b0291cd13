"""Snapshots of the public figures, taken by a periodic task; pages only read them.

A snapshot is one row per run and one value row per (metric, key): a metric with one number has the
key "" (persons), a metric per network or per status has one row per key. A new metric needs no
new column: it is registered in envol.stats.metrics and starts appearing in the next snapshot.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from envol.privacy.inventory import Basis, ModelInventory, SeenBy, Use


class Snapshot(models.Model):
    PRIVACY = ModelInventory(
        summary=_("public figures counted at one time"),
        uses=(
            Use(
                ("id", "taken_at"),
                what=_("when the figures were counted"),
                purpose=_("the public figures of the migration (counts only, nobody named)"),
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("kept: aggregate counts"),
                seen_by=SeenBy.EVERYONE,
            ),
        ),
    )

    taken_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"snapshot {self.pk} at {self.taken_at:%Y-%m-%d %H:%M}"


class SnapshotValue(models.Model):
    PRIVACY = ModelInventory(
        summary=_("public figures counted at one time"),
        uses=(
            Use(
                ("id", "snapshot", "metric", "key", "value"),
                what=_("one count: a metric, its key (network, direction or position) and the number"),
                purpose=_("the public figures of the migration (counts only, nobody named)"),
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("kept: aggregate counts"),
                seen_by=SeenBy.EVERYONE,
            ),
        ),
    )

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
