"""Taking snapshots of the registered metrics, and reading them back as series for the charts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from envol.stats.metrics import REGISTRY, Counts, Metric
from envol.stats.models import Snapshot, SnapshotValue

#: How many snapshots the charts show at most (the latest ones).
CHART_POINTS = 90


def take_snapshot(now: datetime | None = None, metrics: Iterable[Metric] | None = None) -> Snapshot:
    """Run every metric and store the results as one snapshot (one transaction, one bulk insert)."""
    chosen = list(metrics if metrics is not None else REGISTRY.values())
    results = {m.name: m.compute() for m in chosen}  # computed before the write transaction opens
    with transaction.atomic():
        snapshot = Snapshot.objects.create(taken_at=now or timezone.now())
        SnapshotValue.objects.bulk_create(
            SnapshotValue(snapshot=snapshot, metric=name, key=key, value=value)
            for name, counts in results.items()
            for key, value in counts.items()
        )
    return snapshot


def version() -> tuple[int, int | None]:
    """What changes whenever the figures page would (envol.core.pagecache): a new snapshot."""
    found = Snapshot.objects.aggregate(n=Count("pk"), last=Max("pk"))
    return found["n"], found["last"]


@dataclass(frozen=True, slots=True)
class Series:
    key: str
    points: tuple[tuple[datetime, int], ...]


@dataclass(frozen=True, slots=True)
class Figure:
    metric: Metric
    series: tuple[Series, ...]

    @property
    def latest(self) -> Counts:
        return {s.key: s.points[-1][1] for s in self.series if s.points}


def figures(limit: int = CHART_POINTS) -> tuple[list[Figure], datetime | None]:
    """Every registered metric over the last `limit` snapshots, and when the latest was taken.

    Two queries, whatever the number of metrics.
    """
    snapshots = list(Snapshot.objects.order_by("-taken_at")[:limit].values_list("pk", "taken_at"))
    snapshots.reverse()
    when = dict(snapshots)
    values: dict[tuple[str, str], list[tuple[datetime, int]]] = {}
    rows = SnapshotValue.objects.filter(snapshot_id__in=when).values_list(
        "metric", "key", "snapshot_id", "value"
    )
    for name, key, snapshot_id, value in rows.order_by("snapshot__taken_at"):
        values.setdefault((name, key), []).append((when[snapshot_id], value))
    result = [
        Figure(m, tuple(Series(k, tuple(values.get((m.name, k), []))) for k in m.keys))
        for m in REGISTRY.values()
    ]
    return result, (snapshots[-1][1] if snapshots else None)
