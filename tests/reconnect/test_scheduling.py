"""Runs lost with a dead worker are re-enqueued on a worker tick; accounts signed in again wake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from envol.core.ids import Platform
from envol.reconnect.models import AccountDrive, FollowTask
from envol.reconnect.scheduling import recover, schedule, wake
from envol.reconnect.service import request_undo
from envol.reconnect.states import TaskState
from envol.registry.models import Person

from .conftest import account, plan_targets

pytestmark = pytest.mark.django_db


def test_a_run_lost_with_its_worker_is_enqueued_again() -> None:
    source = account(Person.objects.create(), Platform.BLUESKY, "did:plc:lost")
    plan_targets(source, [("did:plc:a", "a")])
    past = timezone.now() - timedelta(minutes=5)
    schedule(source.pk, past)
    drive = AccountDrive.objects.get(account=source)
    # The worker claimed the task, took the lease and died: the lease has run out since.
    DBTaskResult.objects.filter(pk=drive.task_id).update(status="RUNNING")
    AccountDrive.objects.filter(account=source).update(lease_holder="dead", lease_until=past)
    assert recover() == 1
    drive.refresh_from_db()
    assert DBTaskResult.objects.get(pk=drive.task_id).status == "READY"
    # Once queued again, nothing more is enqueued; a live lease is left alone too.
    assert recover() == 0
    DBTaskResult.objects.filter(pk=drive.task_id).update(status="RUNNING")
    AccountDrive.objects.filter(account=source).update(
        lease_holder="alive", lease_until=timezone.now() + timedelta(minutes=1)
    )
    assert recover() == 0


def test_a_worker_tick_wakes_accounts_signed_in_again() -> None:
    source = account(Person.objects.create(), Platform.MASTODON, "https://m.test/users/a", "a@m.test")
    plan_targets(source, [("https://m.test/users/b", "b@m.test")])
    FollowTask.objects.update(state=TaskState.WAITING_AUTH)
    source.needs_reauth = True
    source.save()
    wake()
    assert FollowTask.objects.get().state == TaskState.WAITING_AUTH
    source.needs_reauth = False  # what signing in again does (registry.linking)
    source.save()
    wake()
    assert FollowTask.objects.get().state == TaskState.READY
    assert AccountDrive.objects.get(account=source).next_run_at is not None


def test_undo_puts_back_what_waits_for_a_sign_in_and_settles_writes_in_flight_first() -> None:
    """Undo stops every follow not sent yet, including those waiting for the person to sign in
    again (they would otherwise be sent when the access comes back); a write of unknown outcome
    is flagged, so that reconciliation undoes it if it landed."""
    source = account(Person.objects.create(), Platform.BLUESKY, "did:plc:w", needs_reauth=True)
    done, waiting, in_flight, ready = plan_targets(source, [(f"did:plc:{c}", c) for c in "abcd"])
    FollowTask.objects.filter(pk=done.pk).update(state=TaskState.DONE, rkey="3kaaaaaaaaaa2")
    FollowTask.objects.filter(pk=waiting.pk).update(state=TaskState.WAITING_AUTH)
    FollowTask.objects.filter(pk=in_flight.pk).update(
        state=TaskState.WAITING_AUTH, rkey="3kaaaaaaaaab2", sent_at=timezone.now()
    )

    assert request_undo(source) == 1

    rows = dict(FollowTask.objects.values_list("pk", "state"))
    flagged = set(FollowTask.objects.filter(undo_requested=True).values_list("pk", flat=True))
    assert rows == {
        done.pk: TaskState.DONE,
        waiting.pk: TaskState.PLANNED,
        in_flight.pk: TaskState.WAITING_AUTH,
        ready.pk: TaskState.PLANNED,
    }
    assert flagged == {done.pk, in_flight.pk}
    # The person signs in again: only the write in flight wakes, to be reconciled.
    source.needs_reauth = False
    source.save(update_fields=["needs_reauth"])
    recover()
    woken = FollowTask.objects.filter(state=TaskState.READY).values_list("pk", flat=True)
    assert set(woken) == {in_flight.pk}
