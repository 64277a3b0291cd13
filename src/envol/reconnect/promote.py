"""planned → ready for automatic choices once the operator's start date (ENVOL_RECONNECT_FROM) has
come: what each run does first for its account, and the engine's heartbeat job for every account."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from envol.core.listparam import ids_in
from envol.reconnect import transitions
from envol.reconnect.models import Directions, Mode
from envol.reconnect.schedule_date import automatic_allowed
from envol.reconnect.states import TaskState


def promote_due(account_ids: Iterable[int] | None = None, *, now: datetime | None = None) -> int:
    """planned → ready for automatic choices once the operator's start date has come."""
    now = now or timezone.now()
    if not automatic_allowed(now):
        return 0
    choice = "source__reconnect_choice__"
    where = Q(state=TaskState.PLANNED, **{f"{choice}mode": Mode.AUTOMATIC})
    where &= ~Q(**{f"{choice}directions": Directions.NONE})
    if account_ids is not None:
        where &= ids_in("source_id", account_ids)  # every person refreshed at once: unbounded
    moved: int = transitions.move(where, TaskState.PLANNED, TaskState.READY, now=now)
    return moved
