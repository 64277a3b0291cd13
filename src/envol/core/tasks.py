"""Core's periodic job: expired cache entries (rate-limit counters) go even when nobody visits.

Kept apart from `envol.core.cache`, which settings import: a job declared while settings load would
bind to Django's default task backend instead of Envol's.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import caches

from envol.core.cache import purge_expired
from envol.core.periodic import every

PURGE_TASK_EVERY = timedelta(minutes=10)  # web processes also purge, at most once a minute each

logger = logging.getLogger("envol.cache")


@every("core.cache_purge", interval=PURGE_TASK_EVERY)
def purge_cache() -> int:
    """The periodic purge, so that counters go even when nobody visits."""
    purged = purge_expired(caches["default"])
    logger.info("cache purge", extra={"purged": purged})
    return purged
