"""The periodic refresh of everything public: the media directory's figures and retention, then a
snapshot of every registered metric. The task schedules its own next run (envol.stats.periodic)."""

from __future__ import annotations

import logging

from django.tasks import task

from envol.media.figures import refresh_figures
from envol.media.service import purge
from envol.stats.periodic import schedule_next
from envol.stats.service import take_snapshot

logger = logging.getLogger("envol.stats")
PATH = "envol.stats.tasks.refresh_public_figures"


def refresh_all() -> dict[str, int]:
    """Count everything now (what the task and `envol figures` do)."""
    with_figures = refresh_figures()
    deleted, erased = purge()
    taken = take_snapshot()
    summary = {
        "snapshot": taken.pk,
        "outlets_with_figures": with_figures,
        "declarations_deleted": deleted,
        "emails_erased": erased,
    }
    logger.info("public figures refreshed", extra=summary)
    return summary


@task()
def refresh_public_figures() -> dict[str, int]:
    try:
        return refresh_all()
    finally:
        schedule_next(PATH)
