"""The engine's run log is kept for a bounded period: a DriveRun older than
ENVOL_DRIVE_RUN_RETENTION_DAYS is deleted by the privacy package's periodic retention task, through
the pruner registered here (envol.privacy.hooks: that package never imports the engine).

A run is an operators' record (who drove the account, what it did); 90 days cover any
investigation of a complaint or an incident, and without a bound the table grows by one row per
account each time its budget refills.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from envol.core.config import CONFIG
from envol.privacy.hooks import register_pruner
from envol.reconnect.models import DriveRun


def retention_days() -> int:
    return CONFIG.drive_run_retention_days


def prune_drive_runs(now: datetime) -> int:
    """Delete the runs that started before the retention period (one DELETE); how many went."""
    cutoff = now - timedelta(days=retention_days())
    _total, per_model = DriveRun.objects.filter(started_at__lt=cutoff).delete()
    return per_model.get(DriveRun._meta.label, 0)


def register() -> None:
    register_pruner(DriveRun._meta.label, prune_drive_runs)
