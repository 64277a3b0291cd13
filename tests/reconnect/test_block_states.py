"""The block task graph (decision 0026): what Envol made can be undone, the person's own blocks
never, every state can end; a broken graph is refused when the module checks itself."""

from __future__ import annotations

import pytest
from django.db.models import Q

from envol.reconnect import block_moves, block_states
from envol.reconnect.block_states import BlockState, allowed

B = BlockState


def test_envols_blocks_lead_to_undone_and_the_persons_own_nowhere() -> None:
    assert allowed(B.DONE, B.UNDONE)
    assert not any(allowed(B.ALREADY, s) for s in BlockState)
    assert set(BlockState) - {B.READY} == block_states.FINAL


def test_a_broken_graph_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = dict(block_states.GRAPH)
    broken[B.ALREADY] = frozenset({B.UNDONE})  # the person's own block undone by Envol
    monkeypatch.setattr(block_states, "GRAPH", broken)
    with pytest.raises(ValueError, match="own"):
        block_states.validate()


def test_an_undeclared_edge_is_refused_before_anything_is_written() -> None:
    with pytest.raises(ValueError, match="no declared edge"):
        block_moves.move(Q(pk=1), B.ALREADY, B.UNDONE)
