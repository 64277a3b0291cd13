"""The engine's heartbeat job: lost wake-ups made up, accounts signed in again woken."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from envol.core.ids import Platform
from envol.reconnect.drive_states import DriveState
from envol.reconnect.models import AccountDrive, FollowTask
from envol.reconnect.scheduling import keep_schedule, schedule
from envol.reconnect.service import request_undo
from envol.reconnect.states import TaskState
from envol.registry.models import Person

from .conftest import account, plan_targets

pytestmark = pytest.mark.django_db
WAKE_UP = "envol.reconnect.executor.drive_due"


def test_a_due_drive_whose_wake_up_was_lost_gets_another_from_the_heartbeat_job() -> None:
    """Rewritten: the queued task is only a wake-up now, the drive row the schedule; the job makes
    up for a wake-up lost (a wiped queue, a broker restart) instead of `recover` re-enqueuing."""
    source = account(Person.objects.create(findable_by="everyone"), Platform.BLUESKY, "did:plc:lost")
    plan_targets(source, [("did:plc:a", "a")])
    schedule(source.pk, timezone.now() - timedelta(minutes=5))
    DBTaskResult.objects.all().delete()  # the wake-up is lost
    keep_schedule()
    assert DBTaskResult.objects.filter(task_path=WAKE_UP, status="READY").count() == 1
    # A drive claimed by a live run, or waiting for a time to come, gets none.
    DBTaskResult.objects.all().delete()
    AccountDrive.objects.filter(account=source).update(
        state=DriveState.RUNNING, lease_holder="alive", lease_until=timezone.now() + timedelta(minutes=1)
    )
    keep_schedule()
    AccountDrive.objects.filter(account=source).update(
        state=DriveState.BACKING_OFF, lease_holder="", next_run_at=timezone.now() + timedelta(minutes=1)
    )
    keep_schedule()
    assert not DBTaskResult.objects.filter(task_path=WAKE_UP).exists()


def test_a_worker_tick_wakes_accounts_signed_in_again() -> None:
    source = account(
        Person.objects.create(findable_by="everyone"), Platform.MASTODON, "https://m.test/users/a", "a@m.test"
    )
    plan_targets(source, [("https://m.test/users/b", "b@m.test")])
    FollowTask.objects.update(state=TaskState.WAITING_AUTH)
    source.needs_reauth = True
    source.save()
    keep_schedule()
    assert FollowTask.objects.get().state == TaskState.WAITING_AUTH
    source.needs_reauth = False  # what signing in again does (registry.linking)
    source.save()
    keep_schedule()
    assert FollowTask.objects.get().state == TaskState.READY
    assert AccountDrive.objects.get(account=source).next_run_at is not None


def test_undo_puts_back_what_waits_for_a_sign_in_and_settles_writes_in_flight_first() -> None:
    """Undo stops every follow not sent yet, including those waiting for the person to sign in
    again (they would otherwise be sent when the access comes back); a write of unknown outcome
    is flagged, so that reconciliation undoes it if it landed."""
    source = account(
        Person.objects.create(findable_by="everyone"), Platform.BLUESKY, "did:plc:w", needs_reauth=True
    )
    done, waiting, in_flight, ready = plan_targets(source, [(f"did:plc:{c}", c) for c in "abcd"])
    FollowTask.objects.filter(pk=done.pk).update(state=TaskState.DONE, record_key="3kaaaaaaaaaa2")
    FollowTask.objects.filter(pk=waiting.pk).update(state=TaskState.WAITING_AUTH)
    FollowTask.objects.filter(pk=in_flight.pk).update(
        state=TaskState.WAITING_AUTH, record_key="3kaaaaaaaaab2", sent_at=timezone.now()
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
    keep_schedule()
    woken = FollowTask.objects.filter(state=TaskState.READY).values_list("pk", flat=True)
    assert set(woken) == {in_flight.pk}
