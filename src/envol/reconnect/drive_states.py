"""The states of an account's drive (AccountDrive) and the outcomes of a run, declared as data and
checked when this module is imported, like the FollowTask graph (envol.reconnect.states).

    idle ──► due ──► running ──► idle | due | backing_off | rate_limited | paused | waiting_auth
                        ▲              (what the run's outcome says, OUTCOME_STATE)
    backing_off | rate_limited | paused ──► running       (at next_run_at: the row is the schedule)
    waiting_auth ──► due                                  (the person signed in again)
    paused ──► due                                        (the person lifts the pause)
    running ──► due                                       (its worker died: healing releases it)

The drive row is the account's schedule: `next_run_at` says when a worker may claim it, `state`
why it waits. Only `envol.reconnect.claims` changes a drive's state, along these edges.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class DriveState(enum.StrEnum):
    IDLE = "idle"  # nothing to do until something changes (a pick, a new candidate, an undo)
    DUE = "due"  # runs at next_run_at (now, or when the budget refills)
    RUNNING = "running"  # a worker holds it (lease_holder, worker, lease_until)
    BACKING_OFF = "backing_off"  # a passing fault: runs again after a growing, jittered wait
    RATE_LIMITED = "rate_limited"  # the server said "not before next_run_at"
    # A rule holds it (paused_reason): the 7,500-follows rule, the pace's follow-back or posts hold
    # (they lift by themselves), or a label on the account (only its person lifts it: decision 0022).
    PAUSED = "paused"
    WAITING_AUTH = "waiting_auth"  # the person must sign in again


D = DriveState

GRAPH: Mapping[DriveState, frozenset[DriveState]] = {
    D.IDLE: frozenset({D.DUE, D.RUNNING}),
    D.DUE: frozenset({D.RUNNING}),
    D.RUNNING: frozenset({D.IDLE, D.DUE, D.BACKING_OFF, D.RATE_LIMITED, D.PAUSED, D.WAITING_AUTH}),
    D.BACKING_OFF: frozenset({D.RUNNING}),
    D.RATE_LIMITED: frozenset({D.RUNNING}),
    D.PAUSED: frozenset({D.RUNNING, D.DUE}),
    D.WAITING_AUTH: frozenset({D.DUE, D.RUNNING}),
}

#: States a worker claims once their `next_run_at` has come (the schedule).
SCHEDULED: frozenset[DriveState] = frozenset({D.DUE, D.BACKING_OFF, D.RATE_LIMITED, D.PAUSED})


class Outcome(enum.StrEnum):
    """How one call of the executor ended (the run log's `outcome`, and what tests read)."""

    BUSY = "busy"  # another live holder drives the account: nothing was done
    GONE = "gone"  # the account no longer exists
    IDLE = "idle"  # nothing left to do
    MORE = "more"  # the run's time slice ended with work left: due again at once
    BUDGET = "budget"  # the budget (or a rule's room) is spent: due again when it comes back
    RATE_LIMITED = "rate_limited"  # the server refused more calls until a time it named
    RETRY = "retry"  # a passing fault (network, 5xx): backing off
    WAITING_AUTH = "waiting_auth"  # the authorisation is gone: the person must sign in again
    ERROR = "error"  # a bug or a database fault (raised to the queue): backing off
    CRASHED = "crashed"  # the worker died during the run (recorded by healing)


#: The state each outcome of a run leaves its drive in. BUSY and GONE are not runs: they leave the
#: drive as it was. A rule's pause (paused_reason set) turns BUDGET into PAUSED.
OUTCOME_STATE: Mapping[Outcome, DriveState] = {
    Outcome.IDLE: D.IDLE,
    Outcome.MORE: D.DUE,
    Outcome.BUDGET: D.DUE,
    Outcome.RATE_LIMITED: D.RATE_LIMITED,
    Outcome.RETRY: D.BACKING_OFF,
    Outcome.WAITING_AUTH: D.WAITING_AUTH,
    Outcome.ERROR: D.BACKING_OFF,
    Outcome.CRASHED: D.DUE,
}
NOT_RUNS: frozenset[Outcome] = frozenset({Outcome.BUSY, Outcome.GONE})


class DriveGraphError(Exception):
    """The declared drive states are inconsistent (raised at import: a broken engine never runs)."""


def sources_of(target: DriveState) -> frozenset[DriveState]:
    """Every state from which `target` may be entered (what a conditional UPDATE filters on)."""
    return frozenset(s for s, targets in GRAPH.items() if target in targets)


def after(outcome: Outcome, *, paused: bool) -> DriveState:
    state = OUTCOME_STATE[outcome]
    return D.PAUSED if paused and state == D.DUE and outcome == Outcome.BUDGET else state


def validate() -> None:
    """Every state is declared and leads somewhere; every run's outcome names a state a running
    drive may enter; a running drive can always be released (healing) and every waiting state is
    claimed again, so no drive waits for ever without a person's action."""
    if set(GRAPH) != set(DriveState):
        raise DriveGraphError(f"states without a row: {sorted(set(DriveState) - set(GRAPH))}")
    for source, targets in GRAPH.items():
        if source in targets or not targets:
            raise DriveGraphError(f"{source} loops on itself or has no way out")
    if set(OUTCOME_STATE) | NOT_RUNS != set(Outcome) or set(OUTCOME_STATE) & NOT_RUNS:
        raise DriveGraphError("every outcome is either a run's (with a state) or not a run")
    for outcome, state in OUTCOME_STATE.items():
        if state not in GRAPH[D.RUNNING]:
            raise DriveGraphError(f"a run ending {outcome} cannot leave its drive {state}")
    if D.DUE not in GRAPH[D.RUNNING] or D.PAUSED not in GRAPH[D.RUNNING]:
        raise DriveGraphError("a running drive must be releasable (due) and pausable")
    for state in SCHEDULED:
        if D.RUNNING not in GRAPH[state]:
            raise DriveGraphError(f"{state} is scheduled but never claimed")


validate()
