"""The FollowTask state graph, declared as data and checked when this module is imported.

    planned ──► ready ──► done | requested | already_following | skipped(reason) | failed
                  ▲  └──► waiting_auth ──► ready            (the person signs in again)
                  └── failed / skipped (retried, or chosen again)
    ready | waiting_auth ──► planned                         (undo, or manual again: wait for a pick)
    done | requested ──► undone                              (undo removes Envol's own follows)
    requested ──► done | skipped                             (a re-check found it accepted, or declined)
    skipped ──► ready                                        (a gone target's weekly re-check, a retry)
    undone ──► planned                                       (the person chose again after an undo)

`planned`: Envol knows the target but may not act yet (a manual choice not picked, or automatic
reconnection before ENVOL_RECONNECT_FROM). `ready`: the executor may follow now. `requested`: a
Mastodon account received a follow request, not accepted yet (a locked account, or a server that
accepts later): it is re-checked on the schedule of envol.reconnect.rechecks, and becomes done once
accepted; after the last re-check it stays a pending request until the person acts. Every change
of state goes through `envol.reconnect.transitions`, which refuses any edge not declared here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class TaskState(enum.StrEnum):
    PLANNED = "planned"
    READY = "ready"
    DONE = "done"
    REQUESTED = "requested"
    ALREADY_FOLLOWING = "already_following"
    SKIPPED = "skipped"
    FAILED = "failed"
    WAITING_AUTH = "waiting_auth"
    UNDONE = "undone"


S = TaskState

#: Every allowed edge. A state absent from the keys has no way out.
GRAPH: Mapping[TaskState, frozenset[TaskState]] = {
    S.PLANNED: frozenset({S.READY, S.SKIPPED}),
    S.READY: frozenset(
        {S.DONE, S.REQUESTED, S.ALREADY_FOLLOWING, S.SKIPPED, S.FAILED, S.WAITING_AUTH, S.PLANNED}
    ),
    S.WAITING_AUTH: frozenset({S.READY, S.SKIPPED, S.PLANNED}),
    S.FAILED: frozenset({S.READY}),
    S.SKIPPED: frozenset({S.PLANNED, S.READY}),
    S.DONE: frozenset({S.UNDONE}),
    S.REQUESTED: frozenset({S.UNDONE, S.DONE, S.SKIPPED}),
    S.ALREADY_FOLLOWING: frozenset(),
    S.UNDONE: frozenset({S.PLANNED}),
}

INITIAL = S.PLANNED
#: Where a run ends: nothing more happens to the task unless the person acts (retry, undo).
FINAL: frozenset[TaskState] = frozenset(
    {S.DONE, S.REQUESTED, S.ALREADY_FOLLOWING, S.SKIPPED, S.FAILED, S.UNDONE}
)


class Group(enum.StrEnum):
    """Named sets of states, declared with the graph: what every package means by these words."""

    FOLLOWED = "followed"  # the person follows the target (or asked to): never offered again
    ACCEPTED = "accepted"  # the follow exists: what "done" and the public figures count
    PENDING = "pending"  # a follow request not accepted yet: shown apart from what is done
    OPEN = "open"  # still to be sent: what "remaining" counts
    CREATED_BY_ENVOL = "created_by_envol"  # the follow exists because Envol made it: what undo removes


GROUPS: Mapping[Group, frozenset[TaskState]] = {
    Group.FOLLOWED: frozenset({S.DONE, S.REQUESTED, S.ALREADY_FOLLOWING}),
    Group.ACCEPTED: frozenset({S.DONE, S.ALREADY_FOLLOWING}),
    Group.PENDING: frozenset({S.REQUESTED}),
    Group.OPEN: frozenset({S.PLANNED, S.READY, S.WAITING_AUTH}),
    Group.CREATED_BY_ENVOL: frozenset({S.DONE, S.REQUESTED}),
}
FOLLOWED = GROUPS[Group.FOLLOWED]
ACCEPTED = GROUPS[Group.ACCEPTED]
PENDING = GROUPS[Group.PENDING]
OPEN = GROUPS[Group.OPEN]
CREATED_BY_ENVOL = GROUPS[Group.CREATED_BY_ENVOL]


class GraphError(Exception):
    """The declared graph is inconsistent (raised at import: a broken graph never runs)."""


def reachable(graph: Mapping[TaskState, frozenset[TaskState]], start: TaskState) -> set[TaskState]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.get(todo.pop(), frozenset()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


Graph = Mapping[TaskState, frozenset[TaskState]]


def validate(graph: Graph, initial: TaskState, final: frozenset[TaskState]) -> None:
    """Every state is declared, reachable from `initial`, and can end in a final state; final states
    lead only to final states (a finished task is never silently resumed by the engine)."""
    states = set(TaskState)
    if set(graph) != states:
        raise GraphError(f"states without a declared row: {sorted(states - set(graph))}")
    for source, targets in graph.items():
        if source in targets:
            raise GraphError(f"{source} loops on itself")
    unreachable = states - reachable(graph, initial)
    if unreachable:
        raise GraphError(f"unreachable from {initial}: {sorted(unreachable)}")
    for state in states:
        if not reachable(graph, state) & final:
            raise GraphError(f"{state} can never reach a final state")
    for state in final:
        # A final state may move on only by a person's action (retry, undo, a new choice): never
        # to an engine-only state such as waiting_auth.
        if S.WAITING_AUTH in graph[state]:
            raise GraphError(f"final state {state} leads back into the engine")


def validate_groups(graph: Graph, final: frozenset[TaskState]) -> None:
    """ "Open" is exactly what is not final; what Envol created is followed, and can be undone."""
    if GROUPS[Group.OPEN] != set(graph) - final:
        raise GraphError("the open group must be every state that is not final")
    if not GROUPS[Group.FOLLOWED] <= final:
        raise GraphError("followed states must be final")
    accepted, pending = GROUPS[Group.ACCEPTED], GROUPS[Group.PENDING]
    if accepted & pending or accepted | pending != GROUPS[Group.FOLLOWED]:
        raise GraphError("followed is exactly what is accepted and what is pending, apart")
    if any(not graph[s] & accepted for s in pending):
        raise GraphError("a pending request must be able to become accepted")
    created = GROUPS[Group.CREATED_BY_ENVOL]
    if not created <= GROUPS[Group.FOLLOWED] or any(S.UNDONE not in graph[s] for s in created):
        raise GraphError("what Envol created must be followed and lead to undone")


def allowed(source: TaskState, target: TaskState) -> bool:
    return target in GRAPH[source]


def sources_of(target: TaskState) -> frozenset[TaskState]:
    """Every state from which `target` may be entered (what a set-based UPDATE filters on)."""
    return frozenset(s for s, targets in GRAPH.items() if target in targets)


validate(GRAPH, INITIAL, FINAL)
validate_groups(GRAPH, FINAL)
