"""The one way a BlockTask changes state: a set-based UPDATE along a declared edge of
envol.reconnect.block_states, as envol.reconnect.transitions does for follows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from envol.reconnect.block_models import BlockTask
from envol.reconnect.block_states import FINAL, BlockState, allowed

From = BlockState | frozenset[BlockState]


def move(where: Q, frm: From, to: BlockState, *, now: datetime | None = None, **fields: Any) -> int:
    sources = frozenset({frm}) if isinstance(frm, BlockState) else frm
    undeclared = sorted(s for s in sources if not allowed(s, to))
    if not sources or undeclared:
        raise ValueError(f"no declared edge from {undeclared or 'nothing'} to {to}")
    now = now or timezone.now()
    changes: dict[str, Any] = {"state": to.value, "updated_at": now, **fields}
    if to in FINAL:
        changes.setdefault("finished_at", now)
    return BlockTask.objects.filter(where, state__in=[s.value for s in sources]).update(**changes)


def move_ids(ids: list[int], frm: From, to: BlockState, **fields: Any) -> int:
    return move(Q(pk__in=ids), frm, to, **fields) if ids else 0
