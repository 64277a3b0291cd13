"""The state graph is data, checked at import; transitions only follow its edges."""

from __future__ import annotations

import pytest
from django.db.models import Q

from envol.core.ids import Platform
from envol.matching import review
from envol.reconnect import transitions
from envol.reconnect.models import FollowTask
from envol.reconnect.states import (
    FINAL,
    FOLLOWED,
    GRAPH,
    GROUPS,
    INITIAL,
    OPEN,
    GraphError,
    Group,
    TaskState,
    reachable,
    sources_of,
    validate,
)
from envol.registry.models import Person

from .conftest import account, plan_targets

S = TaskState


def test_the_declared_graph_is_valid_and_matches_the_design() -> None:
    validate(GRAPH, INITIAL, FINAL)
    assert reachable(GRAPH, S.PLANNED) == set(TaskState)
    assert GRAPH[S.READY] >= {S.DONE, S.ALREADY_FOLLOWING, S.SKIPPED, S.FAILED, S.WAITING_AUTH}
    assert GRAPH[S.DONE] == {S.UNDONE}
    assert GRAPH[S.WAITING_AUTH] == {S.READY, S.SKIPPED, S.PLANNED}  # undo: it waits for a pick again
    assert GRAPH[S.UNDONE] == {S.PLANNED}  # chosen again after an undo (issue 18)
    assert GRAPH[S.REQUESTED] == {S.UNDONE, S.DONE, S.SKIPPED}  # re-checked: accepted, or declined
    assert sources_of(S.UNDONE) == {S.DONE, S.REQUESTED}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({S.DONE: frozenset(), S.REQUESTED: frozenset()}, "unreachable"),  # undone can't be entered
        ({S.WAITING_AUTH: frozenset({S.READY, S.WAITING_AUTH})}, "loops"),
        ({S.DONE: frozenset({S.WAITING_AUTH})}, "leads back into the engine"),
    ],
)
def test_broken_graphs_are_refused(change: dict[TaskState, frozenset[TaskState]], message: str) -> None:
    with pytest.raises(GraphError, match=message):
        validate({**GRAPH, **change}, INITIAL, FINAL)


def test_a_state_that_can_never_finish_is_refused() -> None:
    graph = {**GRAPH, S.WAITING_AUTH: frozenset()}  # a dead end that is not final
    with pytest.raises(GraphError, match="never reach a final state"):
        validate(graph, INITIAL, FINAL)


def test_an_undeclared_state_is_refused() -> None:
    graph = {k: v for k, v in GRAPH.items() if k != S.UNDONE}
    with pytest.raises(GraphError, match="without a declared row"):
        validate(graph, INITIAL, FINAL)


@pytest.mark.django_db
def test_transitions_move_only_along_the_edge_they_name() -> None:
    """Rewritten: `move` names its edge (from a state or a group, to a state) instead of taking
    every state that may lead to the target; an undeclared edge is refused before any UPDATE."""
    source = account(Person.objects.create(findable_by="everyone"), Platform.BLUESKY, "did:plc:source")
    tasks = plan_targets(source, [(f"did:plc:t{i}", f"t{i}") for i in range(4)], ready=False)
    assert {t.state for t in tasks} == {S.PLANNED}
    mine = Q(source=source)
    with pytest.raises(ValueError, match="no declared edge"):
        transitions.move(mine, S.PLANNED, S.DONE)  # planned → done is not an edge
    assert transitions.move(mine, S.READY, S.DONE) == 0  # no task is ready yet
    assert transitions.move(mine & Q(pk__in=[t.pk for t in tasks[:3]]), S.PLANNED, S.READY) == 3
    assert transitions.move(mine, S.READY, S.DONE) == 3
    done = FollowTask.objects.filter(state=S.DONE)
    assert all(t.finished_at is not None for t in done)
    # A finished task is never resumed by the engine (done → ready is not an edge).
    with pytest.raises(ValueError, match="no declared edge"):
        transitions.move(mine, FOLLOWED, S.READY)
    assert transitions.move(mine, S.PLANNED, S.READY) == 1  # only the one still planned
    assert FollowTask.objects.filter(state=S.DONE).count() == 3


def test_the_groups_are_declared_with_the_graph() -> None:
    assert GROUPS[Group.OPEN] == set(TaskState) - FINAL
    assert GROUPS[Group.CREATED_BY_ENVOL] < GROUPS[Group.FOLLOWED] <= FINAL
    assert GROUPS[Group.OPEN] == OPEN
    assert review.followed_states == tuple(sorted(s.value for s in FOLLOWED))  # registered for matching


def test_every_state_is_final_or_open_or_failed() -> None:
    assert {S.PLANNED, S.READY, S.WAITING_AUTH} | FINAL == set(TaskState)
