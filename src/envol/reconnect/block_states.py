"""The BlockTask state graph (decision 0026), declared as data and checked on import, as the
follows' is (envol.reconnect.states):

    ready ──► done | already | skipped(reason) | failed
    done ──► undone                        (undo: the opt-in turned off, or the block withdrawn)
    skipped | failed | undone ──► ready    (the opt-in turned on again, or a retry)

`already`: the account blocked (or muted) the target before Envol did: the person's own, which
Envol never undoes, so it has no way out. Every change goes through `envol.reconnect.block_moves`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class BlockState(enum.StrEnum):
    READY = "ready"
    DONE = "done"
    ALREADY = "already"
    SKIPPED = "skipped"
    FAILED = "failed"
    UNDONE = "undone"


B = BlockState
GRAPH: Mapping[BlockState, frozenset[BlockState]] = {
    B.READY: frozenset({B.DONE, B.ALREADY, B.SKIPPED, B.FAILED}),
    B.DONE: frozenset({B.UNDONE}),
    B.ALREADY: frozenset(),
    B.SKIPPED: frozenset({B.READY}),
    B.FAILED: frozenset({B.READY}),
    B.UNDONE: frozenset({B.READY}),
}
INITIAL = B.READY
FINAL = frozenset(set(BlockState) - {B.READY})
#: What exists because Envol wrote it: the only blocks undo removes.
CREATED_BY_ENVOL = frozenset({B.DONE})


def _reachable(start: BlockState) -> set[BlockState]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in GRAPH[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def validate() -> None:
    """Every state declared and reachable; each can end in a final state; what Envol created can
    be undone; the person's own blocks (already) can never be."""
    if set(GRAPH) != set(BlockState) or any(s in t for s, t in GRAPH.items()):
        raise ValueError("every block state needs a row, and none loops on itself")
    if _reachable(INITIAL) != set(BlockState):
        raise ValueError("a block state is unreachable")
    if any(not _reachable(s) & FINAL for s in BlockState):
        raise ValueError("a block state can never end")
    if any(B.UNDONE not in GRAPH[s] for s in CREATED_BY_ENVOL) or GRAPH[B.ALREADY]:
        raise ValueError("Envol's blocks must lead to undone; the person's own, nowhere")


def allowed(source: BlockState, target: BlockState) -> bool:
    return target in GRAPH[source]


validate()
