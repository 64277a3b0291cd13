"""Issue 18's run: 1,000 Mastodon follows by a real `envol worker`, SIGKILLed at random moments and
restarted, against a fake Mastodon that accepts every follow later (AsyncAccept) and whose remote
lookups find a third of the targets only after a while (FlakyLookups). At the end every follow is
accepted exactly once (counted on the fake), nothing is called gone, and the figures agree.

Time passes without sleeping: when the engine has nothing due, the test moves the fake's clock
forward and every stored appointment of the engine (check_at and the times the schedules count
from) back by the same amount, which is what waiting that long would have done."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import F, Q
from django.utils import timezone

from envol.reconnect.models import DriveRun, FollowTask
from envol.reconnect.scheduling import schedule
from envol.reconnect.states import TaskState
from envol.registry.models import Account
from envol.stats.metrics import follow_requests, follows_done
from fakes.mastodon import AsyncAccept, FlakyLookups, Limits
from fakes.mastodon.fixtures import FakeMastodonFactory

from .conftest import mastodon_source, plan_targets, states
from .workers import kill, overlapping_runs, start_worker, stop, wait_until, worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_hosts")]
TARGETS = 1000
#: Kill the worker once this many follows have been sent (some of them in flight when it dies):
#: during the first sending, and while the targets found late are followed.
KILL_AT = (150, 450, 800)
#: Appointments this close to the first are kept together (requests sent over a few seconds).
TOGETHER = timedelta(minutes=5)


class WorldClock:
    """The fakes' clock: real time, plus whatever the test let pass."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def _quiet(source: Account) -> bool:
    """Nothing due now and no run going: only appointments in the future are left."""
    now = timezone.now()
    mine = FollowTask.objects.filter(source=source)
    due = mine.filter(Q(state=TaskState.READY) & (Q(check_at=None) | Q(check_at__lte=now)))
    due_checks = mine.filter(state=TaskState.REQUESTED, check_at__lte=now)
    running = DriveRun.objects.filter(account=source, ended_at=None)
    return not due.exists() and not due_checks.exists() and not running.exists()


def _let_time_pass(source: Account, clock: WorldClock) -> None:
    """Move to just after the engine's next appointment, on the fakes and in the database alike."""
    mine = FollowTask.objects.filter(source=source, check_at__isnull=False)
    first = mine.order_by("check_at").values_list("check_at", flat=True).first()
    assert first is not None, states(source)
    last = (
        mine.filter(check_at__lte=first + TOGETHER)
        .order_by("-check_at")
        .values_list("check_at", flat=True)[0]
    )
    wait = max((last - timezone.now()).total_seconds(), 0.0) + 1.0
    clock.offset += wait
    back = timedelta(seconds=wait)
    mine.update(check_at=F("check_at") - back)
    FollowTask.objects.filter(source=source, finished_at__isnull=False).update(
        finished_at=F("finished_at") - back
    )
    FollowTask.objects.filter(source=source, missed_since__isnull=False).update(
        missed_since=F("missed_since") - back
    )


def test_1000_follows_accepted_later_with_passing_lookup_failures_and_sigkills(
    fake_mastodon: FakeMastodonFactory, tmp_path: Path
) -> None:
    clock = WorldClock()
    accepting = AsyncAccept(delay=45)
    flaky = FlakyLookups(for_seconds=900, only=lambda query: "/users/flaky" in query)
    home = fake_mastodon("home.test", clock=clock, limits=Limits(enabled=False), modes=[accepting, flaky])
    far = fake_mastodon("far.test", clock=clock, limits=Limits(enabled=False))
    source = mastodon_source(home, "alice")
    targets = []
    for i in range(TARGETS):
        name = f"flaky{i}" if i % 3 == 0 else f"f{i}"
        far.add_account(name)
        targets.append((f"https://far.test/users/{name}", f"{name}@far.test"))
    plan_targets(source, targets)
    schedule(source.pk, timezone.now())

    env = worker_env("")
    log = tmp_path / "workers.log"
    rng = random.Random(18)  # noqa: S311 (kill instants, not secrets)
    kills, passes = 0, 0
    worker = start_worker(env, log)

    def finished() -> bool:
        return not FollowTask.objects.filter(source=source).exclude(state=TaskState.DONE).exists()

    try:
        while not finished():
            kill_at = KILL_AT[kills] if kills < len(KILL_AT) else None
            try:
                wait_until(
                    lambda k=kill_at: _next_step(source, finished(), k), 180, "a run or a quiet engine"
                )
            except AssertionError:
                raise AssertionError(f"{states(source)}\n{log.read_text()[-3000:]}") from None
            if kill_at is not None and _sent(source) >= kill_at and _busy(source):
                time.sleep(rng.uniform(0.0, 0.3))  # at a random instant of the run
                kill(worker)
                kills += 1
                worker = start_worker(env, log)
            elif not finished() and _quiet(source):
                _let_time_pass(source, clock)
                passes += 1
                assert passes < 60, states(source)
                # The worker's heartbeat wakes the account: wait for its run to start.
                wait_until(lambda: finished() or not _quiet(source), 90, "the heartbeat to wake the account")
    finally:
        stop(worker)

    assert states(source) == {"done": TARGETS}
    wanted = sorted(handle for _, handle in targets)
    assert kills == len(KILL_AT)
    assert sorted(home.following_of("alice")) == wanted  # every follow, accepted
    assert home.requested_by("alice") == []
    assert accepting.created == TARGETS  # each created once: a second follow creates nothing
    assert accepting.accepted == TARGETS
    assert flaky.misses >= TARGETS // 3  # lookups did fail for a while
    assert not FollowTask.objects.filter(source=source, reason="gone").exists()
    assert follows_done()["mastodon"] == TARGETS == len(home.following_of("alice"))
    assert follow_requests()["mastodon"] == 0
    assert overlapping_runs([source.pk]) == []


def _busy(source: Account) -> bool:
    return DriveRun.objects.filter(account=source, ended_at=None).exists()


def _sent(source: Account) -> int:
    """Follows sent so far (or on their way)."""
    mine = FollowTask.objects.filter(source=source)
    return (
        mine.exclude(state=TaskState.READY).count()
        + mine.filter(state=TaskState.READY, sent_at__isnull=False).count()
    )


def _next_step(source: Account, finished: bool, kill_at: int | None) -> bool:
    return finished or _quiet(source) or (kill_at is not None and _sent(source) >= kill_at and _busy(source))
