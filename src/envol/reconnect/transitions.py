"""The one way a FollowTask changes state: a set-based UPDATE that only moves rows along an edge
of the graph (envol.reconnect.states) that the caller names, from a state or a group to a state.
Rows in any other state are left alone and not counted, so a racing writer can never push a task
backwards; an edge the graph does not declare is refused before anything is written."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from envol.core.listparam import ids_in
from envol.reconnect.models import FollowTask
from envol.reconnect.states import FINAL, TaskState, allowed

From = TaskState | frozenset[TaskState]


@dataclass(frozen=True)
class Graph[S: enum.StrEnum]:
    """A task model and its declared state graph: what `along` needs to move its rows."""

    model: type[models.Model]
    allowed: Callable[[S, S], bool]
    final: frozenset[S]


def along[S: enum.StrEnum](
    graph: Graph[S], where: Q, frm: S | frozenset[S], to: S, *, now: datetime | None = None, **fields: Any
) -> int:
    """Move every row of the graph's model matching `where` that is in `frm` (a state or a group)
    to `to`, along the edges `frm → to`, each of which must be declared; returns how many moved."""
    sources: frozenset[S] = frm if isinstance(frm, frozenset) else frozenset({frm})
    undeclared = sorted(s for s in sources if not graph.allowed(s, to))
    if not sources or undeclared:
        raise ValueError(f"no declared edge from {undeclared or 'nothing'} to {to}")
    now = now or timezone.now()
    changes: dict[str, Any] = {"state": to.value, "updated_at": now, **fields}
    if to in graph.final:
        changes.setdefault("finished_at", now)
    rows = graph.model._default_manager.filter(where, state__in=[s.value for s in sources])
    return rows.update(**changes)


def along_ids[S: enum.StrEnum](
    graph: Graph[S], ids: list[int], frm: S | frozenset[S], to: S, **fields: Any
) -> int:
    # One parameter however many ids: reading an account's follows may settle tens of thousands.
    return along(graph, ids_in("pk", ids), frm, to, **fields) if ids else 0


FOLLOWS: Graph[TaskState] = Graph(FollowTask, allowed, FINAL)


def move(where: Q, frm: From, to: TaskState, *, now: datetime | None = None, **fields: Any) -> int:
    return along(FOLLOWS, where, frm, to, now=now, **fields)


def move_ids(ids: list[int], frm: From, to: TaskState, **fields: Any) -> int:
    return along_ids(FOLLOWS, ids, frm, to, **fields)
