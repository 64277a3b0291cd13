"""The periodic refresh of everything public: the media directory's figures and retention, then a
snapshot of every registered metric (a periodic job, envol.core.periodic)."""

from __future__ import annotations

import logging
from datetime import timedelta

from envol.core.config import CONFIG
from envol.core.periodic import every
from envol.media.figures import refresh_figures
from envol.media.service import purge
from envol.stats.service import take_snapshot

logger = logging.getLogger("envol.stats")
JOB = "stats.public_figures"


def interval() -> timedelta:
    return timedelta(minutes=CONFIG.figures_every_minutes)


def refresh_all() -> dict[str, int]:
    """Count everything now (what the job and `envol figures` do)."""
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


@every(JOB, interval=interval)
def refresh_public_figures() -> dict[str, int]:
    return refresh_all()
