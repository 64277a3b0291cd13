"""The one way a FollowTask changes state: a set-based UPDATE that only moves rows along an edge
of the graph (envol.reconnect.states) that the caller names, from a state or a group to a state.
Rows in any other state are left alone and not counted, so a racing writer can never push a task
backwards; an edge the graph does not declare is refused before anything is written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from envol.core.listparam import ids_in
from envol.reconnect.models import FollowTask
from envol.reconnect.states import FINAL, TaskState, allowed

From = TaskState | frozenset[TaskState]


def move(where: Q, frm: From, to: TaskState, *, now: datetime | None = None, **fields: Any) -> int:
    """Move every task matching `where` that is in `frm` (a state or a group) to `to`, along the
    edges `frm → to`, each of which must be declared; returns how many moved."""
    sources = frozenset({frm}) if isinstance(frm, TaskState) else frm
    undeclared = sorted(s for s in sources if not allowed(s, to))
    if not sources or undeclared:
        raise ValueError(f"no declared edge from {undeclared or 'nothing'} to {to}")
    now = now or timezone.now()
    changes: dict[str, Any] = {"state": to.value, "updated_at": now, **fields}
    if to in FINAL:
        changes.setdefault("finished_at", now)
    return FollowTask.objects.filter(where, state__in=[s.value for s in sources]).update(**changes)


def move_ids(ids: list[int], frm: From, to: TaskState, **fields: Any) -> int:
    # One parameter however many ids: reading an account's follows may settle tens of thousands.
    return move(ids_in("pk", ids), frm, to, **fields) if ids else 0
