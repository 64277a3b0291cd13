"""Runs lost with a dead worker are re-enqueued on a worker tick; accounts signed in again wake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from envol.core.ids import Platform
from envol.core.worker import worker_tick
from envol.reconnect.models import AccountDrive, FollowTask
from envol.reconnect.scheduling import recover, schedule
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
    worker_tick.send(sender=None, worker_id="test")
    assert FollowTask.objects.get().state == TaskState.WAITING_AUTH
    source.needs_reauth = False  # what signing in again does (registry.linking)
    source.save()
    worker_tick.send(sender=None, worker_id="test")
    assert FollowTask.objects.get().state == TaskState.READY
    assert AccountDrive.objects.get(account=source).next_run_at is not None
