"""What the engine stores: the person's choice per linked account, one FollowTask per (source
account, target), and per source account its lease, schedule and budget (AccountDrive).

A FollowTask row is both the unit of work and what the progress page shows. Its `record_key` is
obtained and committed *before* the write that uses it (envol.platforms.follows), so that after a
crash the engine can tell from the platform whether the write happened: the row, not the worker's
memory, is the truth.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from envol.core.ids import Platform
from envol.privacy.inventory import (
    MIGRATION,
    OPERATING,
    UNTIL_ERASURE,
    UNTIL_UNLINK,
    Basis,
    Export,
    ModelInventory,
    SeenBy,
    Use,
)
from envol.reconnect.drive_states import DriveState
from envol.reconnect.states import TaskState
from envol.registry.models import Account


class Directions(models.TextChoices):
    FOLLOWEES = "followees", "the people I followed on X"
    FOLLOWERS = "followers", "the people who followed me on X"
    BOTH = "both", "both"
    NONE = "none", "nobody"


class Mode(models.TextChoices):
    AUTOMATIC = "auto", "automatic"
    MANUAL = "manual", "by hand"


class Pace(models.TextChoices):
    # Reputation pacing (envol.reconnect.pacing), or only the platforms' budgets after the person
    # was told the risk (a spam label); the follow-back rule and the label watch hold either way.
    GENTLE = "gentle", "gently, to protect my account's reputation"
    FAST = "fast", "as fast as the network allows"


class ReconnectChoice(models.Model):
    """What a person chose for one of their linked Bluesky or Mastodon accounts. No row: no choice
    yet, and nothing happens."""

    PRIVACY = ModelInventory(
        summary=_("what you chose to reconnect with one of your accounts"),
        uses=(
            Use(
                ("id", "account", "directions", "mode", "updated_at"),
                what=_(
                    "whom to follow (your X followees, followers, both or none), automatically or by hand"
                ),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_UNLINK,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
            Use(
                ("pace",),
                what=_(
                    "how fast Envol may follow for the account: gently, to protect its reputation, or "
                    "as fast as the network allows, which you chose knowing the risk of a spam label"
                ),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_UNLINK,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
    )

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="reconnect_choice")
    directions = models.CharField(max_length=16, choices=Directions.choices)
    mode = models.CharField(max_length=8, choices=Mode.choices)
    pace = models.CharField(max_length=8, choices=Pace.choices, default=Pace.GENTLE)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.account_id}: {self.directions} ({self.mode})"


class FollowTask(models.Model):
    PRIVACY = ModelInventory(
        summary=_("one follow Envol makes (or made) for one of your accounts"),
        uses=(
            Use(
                (
                    "id",
                    "source",
                    "network",
                    "target_account",
                    "target_id",
                    "target_handle",
                    "followee",
                    "follower",
                    "state",
                    "reason",
                    "record_key",
                    "sent_at",
                    "followed_acct",
                    "undo_requested",
                    "last_error",
                    "check_at",
                    "checks",
                    "misses",
                    "missed_since",
                    "created_at",
                    "updated_at",
                    "finished_at",
                ),
                what=_(
                    "whom your account follows (their network id and handle), why (your X link), the "
                    "state of the follow and the record Envol created, so that it can be undone"
                ),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_ERASURE,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
        owner_field="source",
    )

    source = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="follow_tasks")
    network = models.CharField(max_length=16, choices=[(p.value, p.name.title()) for p in Platform])
    # The target's own Account row; NULL once that person unlinked it (the task keeps its stable id).
    target_account = models.ForeignKey(Account, null=True, on_delete=models.SET_NULL, related_name="+")
    target_id = models.CharField(max_length=512)  # DID or actor URI: never a handle
    target_handle = models.CharField(max_length=255, blank=True)  # shown on pages; handles change
    followee = models.BooleanField(default=False)  # the person followed the target on X
    follower = models.BooleanField(default=False)  # the target followed the person on X
    state = models.CharField(max_length=20, choices=[(s.value, s.value) for s in TaskState])
    reason = models.CharField(max_length=64, blank=True)  # why skipped/failed: a code, shown in words
    # The follow's record key (Bluesky: the record's TID; Mastodon: the target's id on the person's
    # own instance), committed before the write that uses it, never changed afterwards.
    record_key = models.CharField(max_length=64, blank=True)
    # Set while a write whose outcome is not known yet is (or may be) on its way: such tasks are
    # reconciled against the repository before anything else is sent.
    sent_at = models.DateTimeField(null=True, blank=True)
    # The address actually followed when it is not the target's own (a Mastodon account that moved).
    followed_acct = models.CharField(max_length=255, blank=True)
    undo_requested = models.BooleanField(default=False)
    last_error = models.CharField(max_length=255, blank=True)
    # When the engine looks at the task again (envol.reconnect.rechecks): a request's next re-check,
    # a target not found now (ready, not sent before then), a gone target's weekly look. NULL: never.
    check_at = models.DateTimeField(null=True, blank=True)
    checks = models.PositiveSmallIntegerField(default=0)  # re-checks of the request made so far
    misses = models.PositiveSmallIntegerField(default=0)  # failed resolutions in a row
    missed_since = models.DateTimeField(null=True, blank=True)  # the first of them
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target_id"], name="follow_task_unique_target"),
        ]
        indexes = [
            models.Index(fields=["source", "state"], name="follow_task_source_state"),
            # The heartbeat finds accounts with a re-check due, whatever the account.
            models.Index(
                fields=["check_at"], name="follow_task_check_at", condition=Q(check_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_handle or self.target_id} ({self.state})"


class AccountDrive(models.Model):
    """Per source account: its schedule (state, next_run_at: envol.reconnect.drive_states), who
    drives it now (the claim: lease_holder, worker, lease_until) and what its budget has left."""

    PRIVACY = ModelInventory(
        summary=_("the reconnection engine's bookkeeping for one of your accounts"),
        uses=(
            Use(
                (
                    "account",
                    "state",
                    "lease_holder",
                    "worker",
                    "lease_until",
                    "next_run_at",
                    "budget",
                    "follows_listed_at",
                    "paused_reason",
                    "error_streak",
                    "last_error",
                ),
                what=_(
                    "when Envol works next for the account, its remaining budget, the follows it sent "
                    "in the last day, the account's follower, following and post counts and labels as "
                    "its network last showed them, why it is paused and its last error"
                ),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_UNLINK,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
    )

    account = models.OneToOneField(Account, on_delete=models.CASCADE, primary_key=True, related_name="+")
    state = models.CharField(
        max_length=16, choices=[(s.value, s.value) for s in DriveState], default=DriveState.IDLE.value
    )
    lease_holder = models.CharField(max_length=96, blank=True)  # the run driving it (while running)
    worker = models.CharField(max_length=64, blank=True)  # that run's heartbeat worker ('' if none)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)  # NULL: nothing scheduled
    budget = models.JSONField(default=dict)  # envol.reconnect.budgets state, per bucket
    follows_listed_at = models.DateTimeField(null=True, blank=True)  # last full read of existing follows
    paused_reason = models.CharField(max_length=64, blank=True)  # e.g. follow_limit (7,500 rule)
    error_streak = models.PositiveIntegerField(default=0)  # consecutive transient failures (backoff)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        # Workers claim the drive whose time came first among those waiting for one.
        indexes = [models.Index(fields=["state", "next_run_at"], name="account_drive_due")]

    def __str__(self) -> str:
        return f"drive of account {self.account_id} ({self.state})"


class DriveRun(models.Model):
    """One executor run on one account: who held the lease, when, and what it did (operators' log,
    and the evidence that no account is ever driven by two workers at once)."""

    PRIVACY = ModelInventory(
        summary=_("one run of the reconnection engine for one of your accounts"),
        uses=(
            Use(
                ("id", "account", "holder", "started_at", "ended_at", "followed", "requests", "outcome"),
                what=_(
                    "when a worker ran for the account, how many follows and requests it made, "
                    "and how it ended"
                ),
                purpose=OPERATING,
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_(
                    "90 days after the run (unless the operator set another period), or until you unlink "
                    "the account or erase your data, if sooner"
                ),
                seen_by=SeenBy.OPERATOR,
                export=Export.VALUE,
            ),
        ),
    )

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    holder = models.CharField(max_length=96)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    followed = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "started_at"], name="drive_run_account"),
            # The retention task deletes the runs older than ENVOL_DRIVE_RUN_RETENTION_DAYS, whatever
            # the account: a range on this index rather than a scan of the whole log.
            models.Index(fields=["started_at"], name="drive_run_started"),
        ]

    def __str__(self) -> str:
        return f"run of {self.account_id} by {self.holder}"


# Django finds the block models here (decision 0026); they live in their own module.
from envol.reconnect.block_models import BlockChoice, BlockTask  # noqa: E402

__all__ = ["AccountDrive", "BlockChoice", "BlockTask", "DriveRun", "FollowTask", "ReconnectChoice"]
