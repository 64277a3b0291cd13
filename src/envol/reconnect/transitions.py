"""The one way a FollowTask changes state: a set-based UPDATE that only moves rows along a declared
edge of the graph (envol.reconnect.states). Rows in any other state are left alone and not counted,
so a racing writer can never push a task backwards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from envol.core.listparam import ids_in
from envol.reconnect.models import FollowTask
from envol.reconnect.states import FINAL, TaskState, sources_of


def move(where: Q, to: TaskState, *, now: datetime | None = None, **fields: Any) -> int:
    """Move every task matching `where` whose state may lead to `to`; returns how many moved."""
    sources = sources_of(to)
    if not sources:
        raise ValueError(f"no state leads to {to}")
    now = now or timezone.now()
    changes: dict[str, Any] = {"state": to.value, "updated_at": now, **fields}
    if to in FINAL:
        changes.setdefault("finished_at", now)
    return FollowTask.objects.filter(where, state__in=[s.value for s in sources]).update(**changes)


def move_ids(ids: list[int], to: TaskState, **fields: Any) -> int:
    # One parameter however many ids: reading an account's follows may settle tens of thousands.
    return move(ids_in("pk", ids), to, **fields) if ids else 0
