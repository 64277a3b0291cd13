"""Per-account leases: at most one worker drives an account at any moment.

A lease is the pair (holder, until) on the account's AccountDrive row, taken by ONE conditional
UPDATE: it succeeds only when nobody holds the lease, the previous holder's time ran out, or the
holder is the caller. Both SQLite and PostgreSQL run a single UPDATE atomically, so two workers
racing for one account cannot both see "1 row updated". A worker that dies simply lets its lease
run out; the next one takes over and first reconciles whatever was in flight.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from envol.reconnect.models import AccountDrive


def new_holder() -> str:
    """A name unique to this run: host, process and a random part (one process runs many tasks)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(10)}"


def ensure_drive(account_id: int) -> None:
    """Create the account's row if missing (concurrent callers: one INSERT wins, none fails)."""
    AccountDrive.objects.bulk_create([AccountDrive(account_id=account_id)], ignore_conflicts=True)


def take(account_id: int, holder: str, seconds: float, *, now: datetime | None = None) -> bool:
    """Take (or extend) the lease for `seconds`; False when another live holder has it."""
    now = now or timezone.now()
    ensure_drive(account_id)
    free = Q(lease_holder="") | Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_holder=holder)
    taken = AccountDrive.objects.filter(free, account_id=account_id).update(
        lease_holder=holder, lease_until=now + timedelta(seconds=seconds)
    )
    return taken == 1


def holds(account_id: int, holder: str, *, now: datetime | None = None) -> bool:
    """Whether `holder` still holds a live lease (checked before every write the engine sends)."""
    now = now or timezone.now()
    return AccountDrive.objects.filter(
        account_id=account_id, lease_holder=holder, lease_until__gte=now
    ).exists()


def release(account_id: int, holder: str) -> None:
    """Give the lease back (only our own: a lease lost to expiry belongs to someone else now)."""
    AccountDrive.objects.filter(account_id=account_id, lease_holder=holder).update(
        lease_holder="", lease_until=None
    )
