"""The one way a BlockTask changes state: a set-based UPDATE along a declared edge of
envol.reconnect.block_states, by the same mechanism as follows (envol.reconnect.transitions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q

from envol.reconnect.block_models import BlockTask
from envol.reconnect.block_states import FINAL, BlockState, allowed
from envol.reconnect.transitions import Graph, along, along_ids

From = BlockState | frozenset[BlockState]
BLOCKS: Graph[BlockState] = Graph(BlockTask, allowed, FINAL)


def move(where: Q, frm: From, to: BlockState, *, now: datetime | None = None, **fields: Any) -> int:
    return along(BLOCKS, where, frm, to, now=now, **fields)


def move_ids(ids: list[int], frm: From, to: BlockState, **fields: Any) -> int:
    return along_ids(BLOCKS, ids, frm, to, **fields)
