"""What pages and the command line call: choose, pick by hand, undo, retry."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from envol.core.ids import Platform
from envol.reconnect import transitions
from envol.reconnect.models import Directions, FollowTask, Mode, ReconnectChoice
from envol.reconnect.plan import plan_for_persons
from envol.reconnect.scheduling import schedule_if_work
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
            unsent = Q(source_id=account.pk, state=TaskState.READY, sent_at__isnull=True)
            transitions.move(unsent, TaskState.PLANNED)
    plan_for_persons([account.person_id])
    return choice


def request_undo(account: Account) -> int:
    """Ask the engine to remove every follow Envol created for this account (and only those)."""
    created = Q(source_id=account.pk, state__in=list(CREATED_BY_ENVOL))
    proof = Q(rkey__gt="") if account.platform == Platform.BLUESKY else Q(remote_id__gt="")
    # Stop sending new follows first: what is still waiting goes back to planned.
    transitions.move(Q(source_id=account.pk, state=TaskState.READY, sent_at__isnull=True), TaskState.PLANNED)
    ReconnectChoice.objects.filter(account=account).update(mode=Mode.MANUAL, updated_at=timezone.now())
    asked = FollowTask.objects.filter(created & proof).update(undo_requested=True)
    schedule_if_work(account.pk)
    return asked


def retry_failed(account: Account) -> int:
    """failed → ready: the person asks to try again what failed."""
    failed = Q(source_id=account.pk, state=TaskState.FAILED)
    moved = transitions.move(failed, TaskState.READY, reason="", last_error="", finished_at=None)
    schedule_if_work(account.pk)
    return moved
