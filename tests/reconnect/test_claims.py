"""Claims on drives (envol.reconnect.claims): one holder at a time, due drives shared by racing
workers, a dead worker's claims released by healing with its run recorded as what it was."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from envol.core.healing import heal
from envol.core.ids import Platform
from envol.core.models import WorkerHeartbeat
from envol.reconnect import claims
from envol.reconnect.drive_states import DriveState, Outcome
from envol.reconnect.models import AccountDrive, DriveRun
from envol.registry.models import Account, Person

from .conftest import account

pytestmark = pytest.mark.django_db(transaction=True)
D = DriveState


def _source(name: str) -> Account:
    return account(Person.objects.create(), Platform.BLUESKY, f"did:plc:{name}")


def _state(source: Account) -> tuple[str, datetime | None]:
    drive = AccountDrive.objects.get(account=source)
    return drive.state, drive.next_run_at


def test_a_claim_has_one_holder_at_a_time() -> None:
    """Rewritten from test_plan's lease test: the claim is now the drive's `running` state."""
    source = _source("claimed")
    now = datetime.now(UTC)
    assert claims.claim(source.pk, "a", now=now, seconds=60)
    assert not claims.claim(source.pk, "b", now=now, seconds=60)
    assert claims.claim(source.pk, "a", now=now, seconds=60)  # renewal
    assert claims.renew(source.pk, "a", now=now, seconds=60)
    # Expired: the next run takes over, and the old holder can neither renew nor release it.
    later = now + timedelta(seconds=61)
    assert claims.claim(source.pk, "b", now=later, seconds=60)
    assert not claims.renew(source.pk, "a", now=later, seconds=60)
    assert claims.release(source.pk, "a", D.IDLE, None) is None
    assert _state(source)[0] == D.RUNNING
    assert claims.release(source.pk, "b", D.BACKING_OFF, later + timedelta(seconds=30)) is not None
    assert _state(source) == (D.BACKING_OFF, later + timedelta(seconds=30))
    assert claims.claim(source.pk, "c", now=later, seconds=60)


def test_racing_workers_never_both_claim_a_drive() -> None:
    """Rewritten from test_plan's lease race, for `claim` and for `claim_due`."""
    sources = [_source(f"raced{i}") for i in range(3)]
    claims.ensure_drives([s.pk for s in sources])
    for round_ in range(6):
        now = datetime.now(UTC)
        for source in sources:
            claims.schedule(source.pk, now - timedelta(seconds=1))
        winners: list[tuple[str, int | None]] = []
        barrier = threading.Barrier(4)

        def contend(
            name: str,
            barrier: threading.Barrier = barrier,
            now: datetime = now,
            winners: list[tuple[str, int | None]] = winners,
            due: bool = bool(round_ % 2),
        ) -> None:
            try:
                barrier.wait()
                if due:
                    winners.append((name, claims.claim_due(name, now=now, seconds=60)))
                elif claims.claim(sources[0].pk, name, now=now, seconds=60):
                    winners.append((name, sources[0].pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=contend, args=(f"w{round_}-{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        taken = [account_id for _, account_id in winners if account_id is not None]
        assert len(taken) == len(set(taken))  # never one drive for two workers
        assert len(taken) == (3 if round_ % 2 else 1)
        for name, account_id in winners:
            if account_id is not None:
                claims.release(account_id, name, D.IDLE, None)


def test_due_drives_are_claimed_in_the_order_of_their_time() -> None:
    early, late, waiting = _source("early"), _source("late"), _source("waiting")
    now = timezone.now()
    claims.schedule(late.pk, now - timedelta(seconds=1))
    claims.schedule(early.pk, now - timedelta(seconds=5))
    claims.schedule(waiting.pk, now + timedelta(minutes=5))  # a budget that refills later
    assert claims.claim_due("a", now=now, seconds=60) == early.pk
    assert claims.claim_due("b", now=now, seconds=60) == late.pk
    assert claims.claim_due("c", now=now, seconds=60) is None


def test_work_during_a_run_leaves_the_drive_due_not_idle() -> None:
    source = _source("poked")
    now = timezone.now()
    assert claims.claim(source.pk, "a", now=now, seconds=60)
    assert claims.wake([source.pk], now) == []  # running: poked, not woken
    assert claims.release(source.pk, "a", D.IDLE, None) == now
    assert _state(source) == (D.DUE, now)
    assert claims.claim(source.pk, "b", now=now, seconds=60)
    assert claims.release(source.pk, "b", D.IDLE, None) is None
    assert _state(source) == (D.IDLE, None)
    assert claims.wake([source.pk], now) == [source.pk]
    assert _state(source) == (D.DUE, now)


def test_a_dead_workers_claim_is_released_and_its_run_recorded_as_crashed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 17: runs killed with their worker kept no end, followed=0, and the account waited for
    the whole lease. Now the run's counts are written as it goes, and two heartbeats after the
    worker's last one its claim is released and its run ended as crashed."""
    monkeypatch.setenv("ENVOL_HEARTBEAT_SECONDS", "5")
    source = _source("killed")
    started = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="killed", hostname="h", pid=1, started_at=started, seen_at=started
    )
    claims.ensure_drives([source.pk])
    AccountDrive.objects.filter(account=source).update(
        state=D.RUNNING, lease_holder="run-1", worker="killed", lease_until=started + timedelta(minutes=2)
    )
    DriveRun.objects.create(account=source, holder="run-1", started_at=started, followed=400, requests=3)

    assert heal(started + timedelta(seconds=9)) == []  # under two heartbeats: still alive
    assert heal(started + timedelta(seconds=11)) == ["killed"]

    drive = AccountDrive.objects.get(account=source)
    assert (drive.state, drive.lease_holder, drive.worker) == (D.DUE, "", "")
    assert drive.next_run_at is not None
    assert drive.next_run_at < started + timedelta(minutes=2)  # not after the lease
    run = DriveRun.objects.get(holder="run-1")
    assert (run.outcome, run.followed, run.requests) == (Outcome.CRASHED, 400, 3)
    assert run.ended_at is not None
    assert claims.claim_due("next", now=drive.next_run_at, seconds=60) == source.pk


def test_a_run_that_renewed_its_claim_lately_is_not_taken_for_dead(monkeypatch: pytest.MonkeyPatch) -> None:
    """A heartbeat can lag behind a busy machine: a claim renewed since keeps its run, and the
    worker is looked at again on the next beat."""
    monkeypatch.setenv("ENVOL_HEARTBEAT_SECONDS", "5")
    source = _source("slow")
    started = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="slow", hostname="h", pid=1, started_at=started, seen_at=started)
    claims.ensure_drives([source.pk])
    renewed = started + timedelta(seconds=8)  # its run renewed the claim before a write
    AccountDrive.objects.filter(account=source).update(
        state=D.RUNNING, lease_holder="run-2", worker="slow", lease_until=renewed + timedelta(minutes=2)
    )
    assert heal(started + timedelta(seconds=11)) == []
    assert _state(source)[0] == D.RUNNING
    assert WorkerHeartbeat.objects.filter(worker_id="slow").exists()
    assert heal(started + timedelta(seconds=19)) == ["slow"]  # silent everywhere since
    assert _state(source)[0] == D.DUE


def test_a_live_workers_slow_run_keeps_its_account_past_the_lease() -> None:
    """Only healing takes a heartbeat worker's claims: a run slower than its lease is not joined by
    a second one. A claim no heartbeat answers for (a broker's consumer) runs out with its lease."""
    slow, orphan = _source("slow-run"), _source("orphan")
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="alive", hostname="h", pid=1, started_at=now, seen_at=now)
    claims.ensure_drives([slow.pk, orphan.pk])
    expired = now - timedelta(seconds=1)
    AccountDrive.objects.filter(account=slow).update(
        state=D.RUNNING, lease_holder="run-3", worker="alive", lease_until=expired
    )
    AccountDrive.objects.filter(account=orphan).update(
        state=D.RUNNING, lease_holder="run-4", worker="", lease_until=expired
    )
    assert not claims.claim(slow.pk, "other", now=now, seconds=60)
    assert claims.claim_due("other", now=now, seconds=60) == orphan.pk
