"""What one executor run carries: the account, its lease, its clock, its budget and its log."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from envol.core.config import CONFIG
from envol.core.ids import Platform
from envol.reconnect import budgets, claims, pacing
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


def pacing_on() -> bool:
    """Whether reputation pacing applies (ENVOL_RECONNECT_PACING); the label watch always does."""
    return CONFIG.reconnect_pacing == "reputation"


def pacing_limits() -> pacing.Limits:
    """The pacing rules in force, from the settings (core/config_pacing.py)."""
    return pacing.Limits(
        burst=CONFIG.pacing_burst,
        burst_seconds=CONFIG.pacing_burst_minutes * 60,
        daily=CONFIG.pacing_daily,
        new_burst=CONFIG.pacing_new_burst,
        new_daily=CONFIG.pacing_new_daily,
        new_seconds=CONFIG.pacing_new_days * pacing.DAY,
        new_followers=CONFIG.pacing_new_followers,
        floor=CONFIG.pacing_follow_back_floor,
        follow_back=CONFIG.pacing_follow_back_percent / 100,
        posts_ratio=CONFIG.pacing_posts_per_thousand / 1000,
    )


def follow_policy(platform: str) -> budgets.Policy:
    return policy(budgets.FOLLOW[Platform(platform)])


def unfollow_policy(platform: str) -> budgets.Policy:
    return policy(budgets.UNFOLLOW[Platform(platform)])


def block_policy(platform: str) -> budgets.Policy:
    return policy(budgets.BLOCK[Platform(platform)])


@dataclass
class Run:
    account: Account
    drive: AccountDrive
    holder: str
    clock: Clock
    log: DriveRun
    budget: dict[str, Any] = field(default_factory=dict)
    # Accounts verified on Envol this run followed: those waiting to follow back are woken after it.
    followed_accounts: set[int] = field(default_factory=set)
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
