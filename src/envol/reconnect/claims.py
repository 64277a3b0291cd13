"""Claims on an account's drive row: at most one run drives an account at any moment, and the row is
the account's schedule (envol.reconnect.drive_states).

A claim is the drive's move to `running` with (lease_holder, worker, lease_until):

- `claim_due` takes the drive whose `next_run_at` came first, in one transaction: `SELECT … FOR
  UPDATE SKIP LOCKED` on PostgreSQL (workers never wait on each other's rows), the immediate
  transaction on SQLite (settings: one writer at a time, so two workers cannot take one row);
- `claim` takes one given account whatever its schedule (a run asked for by name), unless a live
  holder drives it.

A claim ends by `release`, into the state the run's outcome names. A worker that dies leaves its
claims to healing (envol.core.healing → `release_lost`): released within about two heartbeats, its
run recorded as crashed. A live worker's claim is never taken from it, however slow its run.
Outside a heartbeat worker (a broker's consumer), `lease_until` bounds a claim instead: an expired
one may be taken over, and its run is recorded as crashed then.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.utils.crypto import get_random_string

from envol.core.healing import current_worker
from envol.core.listparam import ids_in
from envol.reconnect.drive_states import SCHEDULED, DriveState, Outcome, sources_of
from envol.reconnect.models import AccountDrive, DriveRun

D = DriveState
logger = logging.getLogger("envol.reconnect")
_TAKEN = [s.value for s in sources_of(D.RUNNING)]
GRAPH_FROM_RUNNING = frozenset(s for s in DriveState if D.RUNNING in sources_of(s))


def new_holder() -> str:
    """A name unique to this run: host, process and a random part (one process runs many tasks)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(10)}"


def ensure_drives(account_ids: Iterable[int]) -> None:
    """Create the accounts' rows if missing (concurrent callers: one INSERT wins, none fails)."""
    rows = [AccountDrive(account_id=account_id) for account_id in account_ids]
    AccountDrive.objects.bulk_create(rows, ignore_conflicts=True)


def _running(holder: str, now: datetime, seconds: float) -> dict[str, Any]:
    # next_run_at is cleared while running: a wake during the run sets it again (see `release`).
    until = now + timedelta(seconds=seconds)
    return {
        "state": D.RUNNING.value,
        "lease_holder": holder,
        "worker": current_worker(),
        "lease_until": until,
        "next_run_at": None,
    }


def _expired(now: datetime) -> Q:
    """A claim that ran out and that no heartbeat worker answers for (a heartbeat worker's claims
    are released by healing only: a slow run of a live worker keeps its account)."""
    return Q(state=D.RUNNING, lease_until__lt=now, worker="")


def _close_abandoned_runs(account_id: int, holder: str, now: datetime) -> None:
    """A run whose claim ran out without an end (its process died outside a heartbeat worker)."""
    closed = DriveRun.objects.filter(account_id=account_id, ended_at=None).exclude(holder=holder)
    if closed.update(ended_at=now, outcome=Outcome.CRASHED.value):
        logger.warning("account %s: a run's claim ran out without an end; taken over", account_id)


def claim(account_id: int, holder: str, *, now: datetime, seconds: float) -> bool:
    """Take the account now (or extend our own claim); False when another live holder has it."""
    ensure_drives([account_id])
    free = Q(state__in=_TAKEN) | _expired(now) | Q(lease_holder=holder)
    taken = AccountDrive.objects.filter(free, account_id=account_id).update(**_running(holder, now, seconds))
    if taken:
        _close_abandoned_runs(account_id, holder, now)
    return taken == 1


def claim_due(holder: str, *, now: datetime, seconds: float) -> int | None:
    """Take the drive whose time came first; its account id, or None when none is due."""
    due = Q(state__in=[s.value for s in SCHEDULED], next_run_at__lte=now) | _expired(now)
    with transaction.atomic():
        rows = AccountDrive.objects.filter(due).order_by("next_run_at")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        account_id = rows.values_list("account_id", flat=True).first()
        if account_id is None:
            return None
        AccountDrive.objects.filter(account_id=account_id).update(**_running(holder, now, seconds))
    _close_abandoned_runs(account_id, holder, now)
    return int(account_id)


def renew(account_id: int, holder: str, *, now: datetime, seconds: float) -> bool:
    """Extend our claim before a write; False when it was lost (then nothing may be sent)."""
    mine = AccountDrive.objects.filter(account_id=account_id, lease_holder=holder, state=D.RUNNING)
    return mine.update(lease_until=now + timedelta(seconds=seconds)) == 1


def release(account_id: int, holder: str, state: DriveState, when: datetime | None) -> datetime | None:
    """End our claim: the drive enters `state`, due at `when`. A drive going idle whose work came
    during the run (a wake set next_run_at) becomes due instead. Returns when it is due next (None:
    not scheduled, or the claim had been lost to another holder)."""
    if state not in GRAPH_FROM_RUNNING:
        raise ValueError(f"a run cannot leave its drive {state}")
    mine = AccountDrive.objects.filter(account_id=account_id, lease_holder=holder, state=D.RUNNING)
    free = {"lease_holder": "", "worker": "", "lease_until": None}
    if state == D.IDLE:
        poked = When(next_run_at__isnull=False, then=Value(D.DUE.value))
        changed = mine.update(state=Case(poked, default=Value(D.IDLE.value)), **free)
    else:
        changed = mine.update(state=state.value, next_run_at=when, **free)
    if not changed:
        return None
    return AccountDrive.objects.filter(account_id=account_id).values_list("next_run_at", flat=True).first()


def wake(account_ids: Iterable[int], now: datetime) -> list[int]:
    """Work appeared for these accounts: idle ones (and those waiting for a sign-in, which find out
    at once) become due now; a running one is poked, so that its run does not end idle. Those
    waiting for a time (budget, backoff, a server's limit, a rule) keep it. Returns those made due."""
    ids = sorted(set(account_ids))
    if not ids:
        return []
    mine = AccountDrive.objects.filter(ids_in("account_id", ids))
    known = set(mine.values_list("account_id", flat=True))
    ensure_drives(set(ids) - known)  # only the missing ones: planning again writes nothing here
    woken = list(
        mine.filter(state__in=[D.IDLE.value, D.WAITING_AUTH.value]).values_list("account_id", flat=True)
    )
    if woken:
        AccountDrive.objects.filter(ids_in("account_id", woken), state__in=[D.IDLE, D.WAITING_AUTH]).update(
            state=D.DUE.value, next_run_at=now
        )
    mine.filter(state=D.RUNNING, next_run_at__isnull=True).update(next_run_at=now)
    return woken


def schedule(account_id: int, when: datetime) -> None:
    """Make the account due at `when`, whatever it waited for (an operator's or a test's request)."""
    ensure_drives([account_id])
    waiting = [s.value for s in sources_of(D.DUE) - {D.RUNNING}]
    AccountDrive.objects.filter(account_id=account_id, state__in=waiting).update(
        state=D.DUE.value, next_run_at=when
    )


def release_lost(
    worker_ids: list[str], now: datetime, quiet_since: datetime, seconds: float
) -> tuple[int, int]:
    """The dead workers' drives not renewed since `quiet_since` are due again at once, their runs
    ended as crashed (what they did is already counted: a run records its progress as it goes).
    Returns (released, kept): a drive renewed lately is kept, its run may be alive."""
    drives = AccountDrive.objects.filter(worker__in=worker_ids, state=D.RUNNING)
    # lease_until is set `seconds` after each renewal: renewed before quiet_since ⇔ this.
    quiet = drives.filter(lease_until__lt=quiet_since + timedelta(seconds=seconds))
    holders = list(quiet.values_list("lease_holder", flat=True))
    DriveRun.objects.filter(holder__in=holders, ended_at=None).update(
        ended_at=now, outcome=Outcome.CRASHED.value
    )
    released = quiet.update(state=D.DUE.value, next_run_at=now, lease_holder="", worker="", lease_until=None)
    return released, drives.count()
