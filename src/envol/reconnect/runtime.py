"""What one executor run carries: the account, its lease, its clock, its budget and its log."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from envol.core.config import CONFIG
from envol.core.ids import Platform
from envol.reconnect import budgets, claims
from envol.reconnect.models import AccountDrive, DriveRun
from envol.registry.models import Account

Clock = Callable[[], datetime]


def lease_seconds() -> float:
    return CONFIG.reconnect_lease_seconds


def retry_seconds() -> float:
    return CONFIG.reconnect_retry_seconds


def policy(published: budgets.Policy) -> budgets.Policy:
    """The policy in force: the published limits, or only what servers announce (ENVOL_RECONNECT_LIMITS)."""
    if CONFIG.reconnect_limits == "announced":
        return budgets.announced_only(published)
    return published


def follow_policy(platform: str) -> budgets.Policy:
    return policy(budgets.FOLLOW[Platform(platform)])


def unfollow_policy(platform: str) -> budgets.Policy:
    return policy(budgets.UNFOLLOW[Platform(platform)])


@dataclass
class Run:
    account: Account
    drive: AccountDrive
    holder: str
    clock: Clock
    log: DriveRun
    budget: dict[str, Any] = field(default_factory=dict)
    # A run stops after a slice of its lease so that it always ends (and renews) well before the
    # lease could run out under it; the next run continues where it stopped.
    stop_at: float = 0.0

    def __post_init__(self) -> None:
        self.budget = dict(self.drive.budget or {})
        self.stop_at = time.monotonic() + lease_seconds() / 3

    def now(self) -> datetime:
        return self.clock()

    def ts(self) -> float:
        return self.clock().timestamp()

    def out_of_time(self) -> bool:
        return time.monotonic() >= self.stop_at

    def still_holds(self) -> bool:
        """Renew the claim before a write; False when it was lost (then nothing may be sent)."""
        return claims.renew(self.account.pk, self.holder, now=datetime.now(UTC), seconds=lease_seconds())

    def record(self) -> None:
        """Write the run's counts as it goes: a run killed later is logged with what it did."""
        DriveRun.objects.filter(pk=self.log.pk).update(followed=self.log.followed, requests=self.log.requests)
