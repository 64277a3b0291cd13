"""What pages and the command line call: choose, pick by hand, undo, retry, pace, resume."""

from __future__ import annotations

from typing import NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from envol.core.ids import Platform
from envol.platforms.errors import ErrorCode
from envol.reconnect import pacing, transitions
from envol.reconnect.models import AccountDrive, Directions, FollowTask, Mode, Pace, ReconnectChoice
from envol.reconnect.plan import PICKED, plan_for_persons
from envol.reconnect.scheduling import schedule, wake_if_work
from envol.reconnect.states import CREATED_BY_ENVOL, TaskState
from envol.registry.models import Account

NETWORKS = (Platform.BLUESKY, Platform.MASTODON)


class NotReconnectable(ValueError):
    """Only a verified Bluesky or Mastodon account of the person can follow anyone."""


def choose(account: Account, directions: str, mode: str) -> ReconnectChoice:
    """Record the person's choice for one linked account and plan accordingly (at once)."""
    if account.platform not in NETWORKS or not account.is_verified:
        raise NotReconnectable(f"account {account.pk} cannot follow anyone")
    Directions(directions)  # refuse unknown values before anything is written
    Mode(mode)
    with transaction.atomic():
        before = ReconnectChoice.objects.filter(account=account).values_list("mode", flat=True).first()
        choice, _ = ReconnectChoice.objects.update_or_create(
            account=account, defaults={"directions": directions, "mode": mode}
        )
        if mode == Mode.MANUAL and before == Mode.AUTOMATIC:
            # From automatic to by hand: what was waiting to be sent waits for a pick again.
            unsent = Q(source_id=account.pk, state=TaskState.READY, sent_at__isnull=True) & ~Q(reason=PICKED)
            transitions.move(unsent, TaskState.READY, TaskState.PLANNED)
    # A new choice plans again what an undo removed, and what was called gone (plan.renew).
    plan_for_persons([account.person_id], renew=[account.pk])
    return choice


def created_by_envol() -> Q:
    """Follows Envol created and can prove: the record key it wrote (Bluesky), the target's id at
    the person's instance (Mastodon). What undo removes, and only that."""
    return Q(state__in=list(CREATED_BY_ENVOL), record_key__gt="")


def stop_sending(account: Account) -> int:
    """No new follow for this account until the person chooses again: what waits to be sent (ready,
    or waiting for the person to sign in again) goes back to planned, and the choice becomes "by
    hand" so that nothing is promoted again. A write already on its way is left to the engine."""
    waiting = [TaskState.READY, TaskState.WAITING_AUTH]
    unsent = Q(source_id=account.pk, state__in=waiting, sent_at__isnull=True)
    ReconnectChoice.objects.filter(account=account).update(mode=Mode.MANUAL, updated_at=timezone.now())
    return transitions.move(unsent, frozenset(waiting), TaskState.PLANNED)


def request_undo(account: Account) -> int:
    """Ask the engine to remove every follow Envol created for this account (and only those)."""
    stop_sending(account)
    # A Bluesky write of unknown outcome (sent, then a crash, a timeout or a lost access) may have
    # created its follow: flagged too, the engine's reconciliation settles it first (undone if it
    # landed, back to planned if it did not).
    in_flight = Q(
        state__in=[TaskState.READY, TaskState.WAITING_AUTH], sent_at__isnull=False, record_key__gt=""
    )
    FollowTask.objects.filter(in_flight, source_id=account.pk).update(undo_requested=True)
    asked = FollowTask.objects.filter(created_by_envol(), source_id=account.pk).update(undo_requested=True)
    wake_if_work([account.pk])
    return asked


class Retried(NamedTuple):
    tried: int  # failed follows and targets called gone, sent again
    rechecked: int  # unanswered follow requests, looked at again on the whole schedule


def retry_failed(account: Account) -> Retried:
    """The person asks to try again what did not work: failed → ready, targets called gone → ready
    (looked up afresh), and pending requests are re-checked from now on the whole schedule."""
    now = timezone.now()
    fresh = {"reason": "", "last_error": "", "finished_at": None, "check_at": None, "misses": 0,
             "missed_since": None}  # fmt: skip
    failed = Q(source_id=account.pk, state=TaskState.FAILED)
    tried = transitions.move(failed, TaskState.FAILED, TaskState.READY, now=now, **fresh)
    gone = Q(source_id=account.pk, reason=ErrorCode.GONE.value)
    tried += transitions.move(gone, TaskState.SKIPPED, TaskState.READY, now=now, **fresh)
    pending = Q(source_id=account.pk, state=TaskState.REQUESTED, check_at__isnull=True)
    rechecked = FollowTask.objects.filter(pending).update(
        checks=0, check_at=now, finished_at=now, updated_at=now
    )
    wake_if_work([account.pk])
    return Retried(tried, rechecked)


def made_and_waiting(account: Account) -> tuple[int, int]:
    """(follows and requests Envol made with this account, follows it has not made yet): what
    unlinking the account leaves behind and what it cancels."""
    tasks = FollowTask.objects.filter(source=account)
    made = tasks.filter(state__in=[TaskState.DONE, TaskState.REQUESTED]).count()
    waiting = tasks.filter(state__in=[TaskState.PLANNED, TaskState.READY, TaskState.WAITING_AUTH]).count()
    return made, waiting


def set_pace(account: Account, pace: str) -> bool:
    """The person's pace for an account they made a choice for: gently (reputation pacing) or as
    fast as the network allows, after being told the risk. False: no choice yet."""
    Pace(pace)  # refuse unknown values before anything is written
    changed = ReconnectChoice.objects.filter(account=account).update(pace=pace, updated_at=timezone.now())
    if changed and pace == Pace.FAST:
        schedule(account.pk, timezone.now())  # what waited for the pace may go now
    return bool(changed)


def resume(account: Account) -> bool:
    """The person lifts a pause only they may lift (a label or a limitation on their account):
    the account runs again now; True when it was paused so."""
    lifted = AccountDrive.objects.filter(
        account_id=account.pk, paused_reason__in=list(pacing.PERSON_LIFTS)
    ).update(paused_reason="", last_error="")
    if lifted:
        schedule(account.pk, timezone.now())
    return bool(lifted)
