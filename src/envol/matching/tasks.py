"""Background tasks of matching (django.tasks): incremental refresh, the periodic repair, lookups.

Tasks take and return JSON-serialisable values only. Network work (WebFinger, profiles) happens in
tasks, never while a page is served; a network failure leaves the rows for the next run.

Every process imports this module at start-up (the hooks enqueue its tasks): the lookups and the
HTTP clients they need are named (envol.core.deferred), loaded by the worker that runs a check.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from envol.core.config import CONFIG
from envol.core.deferred import Deferred
from envol.core.periodic import every
from envol.matching import materialise
from envol.matching.notify import send_new_candidate_emails

logger = logging.getLogger("envol.matching")

check_batch = Deferred("envol.matching.lookups.check_batch")
any_due = Deferred("envol.matching.lookups.any_due")


@task()
def refresh_persons(person_ids: list[int]) -> dict[str, int]:
    """Incremental: rebuild the rows of these persons and of everyone who has them as a target."""
    result = materialise.refresh_around(person_ids)
    if result.changed_persons:
        check_targets.enqueue()  # names, avatars, availability and bridges of new targets
    return {
        "changed_persons": len(result.changed_persons),
        "upserted": result.upserted,
        "deleted": result.deleted,
    }


def repair_interval() -> timedelta:
    return timedelta(hours=CONFIG.matching_refresh_hours)


@every("matching.repair", interval=repair_interval, at_start=False)
def refresh_all() -> dict[str, int]:
    """The periodic repair (idempotent): every person's rows."""
    result = materialise.refresh_everyone()
    logger.info(
        "candidates refreshed for everyone: %s rows upserted, %s deleted", result.upserted, result.deleted
    )
    return {
        "changed_persons": len(result.changed_persons),
        "upserted": result.upserted,
        "deleted": result.deleted,
    }


@task()
def notify_persons(person_ids: list[int]) -> int:
    """E-mail the opted-in persons among these about their new candidates."""
    return send_new_candidate_emails(person_ids)


@task()
def check_targets() -> dict[str, int]:
    """One batch of profile, availability and bridge checks; refreshes the persons concerned and
    enqueues itself again while work is due."""
    changed: set[int] = check_batch()
    if changed:
        materialise.refresh_around(changed)
    more: bool = any_due()
    if more:
        check_targets.using(run_after=timezone.now() + timedelta(seconds=5)).enqueue()
    return {"changed_persons": len(changed), "more": int(more)}
