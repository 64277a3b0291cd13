"""Deferred erasure: the person asked Envol to remove the follows it made for them, then erase.

    erasure page ──► request(): PrivacyState.erasure_requested_at, then the engine's undo
                     (hooks.FollowUndo.start: flags the follows, stops sending new ones)
    retention task ──► finish_pending(): erase_person once nothing remains to undo, once what
                     remains cannot move (the network refuses Envol's access), or after
                     ENVOL_ERASURE_UNDO_DEADLINE_DAYS whatever remains
    pending page ──► erase_now(): the person does not want to wait

Until then nothing is deleted and no token is revoked: the engine needs them to unfollow. The
reconnection engine plans nothing new for a pending person (``persons_pending``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from envol.core.config import CONFIG
from envol.core.listparam import ids_in
from envol.privacy.erase import erase_person, rounded
from envol.privacy.hooks import UndoProgress, follow_undo
from envol.privacy.models import ErasureProof, PrivacyState
from envol.registry.models import Person

logger = logging.getLogger("envol.privacy")

NOTHING = UndoProgress(remaining=0, stuck=0, undone=0)


@dataclass(frozen=True, slots=True)
class Pending:
    since: datetime
    deadline: datetime  # erased by then at the latest, whatever remains
    progress: UndoProgress


def deadline_days() -> int:
    return CONFIG.erasure_undo_deadline_days


def undoable(person_id: int) -> int:
    """How many follows Envol made for the person that it could remove first (0: no choice to offer)."""
    undo = follow_undo()
    return undo.undoable(person_id) if undo is not None else 0


def persons_pending(person_ids: Iterable[int]) -> set[int]:
    """Those of these persons whose erasure is pending (one query, however many: a refresh of
    everyone plans and notifies every person at once)."""
    pending = PrivacyState.objects.filter(ids_in("person_id", person_ids), erasure_requested_at__isnull=False)
    return set(pending.values_list("person_id", flat=True))


def pending_sql() -> str:
    """Whether a person's erasure is pending, as an SQL expression of one placeholder (the person's
    id): `is_pending`, and the "Your people" page, which reads it with its counts in one statement."""
    table = connection.ops.quote_name(PrivacyState._meta.db_table)
    return f"EXISTS (SELECT 1 FROM {table} WHERE person_id = %s AND erasure_requested_at IS NOT NULL)"  # noqa: S608 (quoted name only)


def is_pending(person_id: int) -> bool:
    """`persons_pending` for one person, written out: every form of "Your people" asks it, and
    compiling the queryset cost more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pending_sql()}", [person_id])
        row = cursor.fetchone()
    return bool(row[0])


def progress_of(person_id: int, since: datetime) -> UndoProgress:
    undo = follow_undo()
    return undo.progress(person_id, since) if undo is not None else NOTHING


def status(person: Person) -> Pending | None:
    since = (
        PrivacyState.objects.filter(person=person, erasure_requested_at__isnull=False)
        .values_list("erasure_requested_at", flat=True)
        .first()
    )
    if since is None:
        return None
    # The retention task that finishes it runs every ENVOL_RETENTION_INTERVAL_HOURS: "at the latest"
    # is the deadline plus one such interval.
    late = timedelta(days=deadline_days(), hours=CONFIG.retention_interval_hours)
    return Pending(since, since + late, progress_of(person.pk, since))


def request(person: Person, *, now: datetime | None = None) -> int:
    """Make the person's erasure pending and ask the engine to undo their follows; returns how many
    follows it will remove. 0: nothing to undo, nothing pending (the caller erases at once)."""
    undo = follow_undo()
    if undo is None:
        return 0
    now = now or timezone.now()
    # The mark is committed before the engine is asked, so that planning that starts from now on
    # sees it and plans nothing more; should asking fail, the erasure stays pending and the
    # retention task finishes it (nothing would be left to undo).
    state, _created = PrivacyState.objects.get_or_create(
        person=person, defaults={"last_seen_at": person.created_at}
    )
    if state.erasure_requested_at is None:
        state.erasure_requested_at = now
        state.save(update_fields=["erasure_requested_at"])
    asked = undo.start(person.pk)
    if asked == 0:
        PrivacyState.objects.filter(pk=state.pk).update(erasure_requested_at=None)
    return asked


def erase_now(person: Person) -> ErasureProof:
    """The person stops waiting: erase at once, counting what was already undone."""
    pending = status(person)
    undone = pending.progress.undone if pending is not None else 0
    return erase_person(person.pk, reason="request", follows_undone=undone)


def finish_pending(now: datetime, deadline: int) -> int:
    """Erase every pending person whose undo is over, cannot progress, or ran out of time (``deadline``
    days); returns how many were erased. Logs why, with counts only."""
    asked = PrivacyState.objects.filter(erasure_requested_at__isnull=False)
    finished = 0
    for person_id, since in list(asked.values_list("person_id", "erasure_requested_at")):
        assert since is not None  # the filter above
        progress = progress_of(person_id, since)
        late = since <= now - timedelta(days=deadline)
        if progress.can_progress and not late:
            continue
        why = "undone" if not progress.remaining else ("deadline" if progress.can_progress else "stuck")
        try:
            erase_person(person_id, reason="request", follows_undone=progress.undone)
        except Person.DoesNotExist:
            continue  # the person stopped waiting and erased at once meanwhile
        logger.info(
            "pending erasure finished", extra={"why": why, "follows_left": rounded(progress.remaining)}
        )
        finished += 1
    return finished
