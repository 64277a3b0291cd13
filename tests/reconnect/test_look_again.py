"""Looking again (envol.reconnect.rechecks), against the recording follow port: follow requests
re-checked until accepted, targets not found now retried and called gone only by the rule, and a
new choice after an undo. The same against the fake Mastodon's modes: test_mastodon_world.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from envol.core.ids import Platform
from envol.reconnect import rechecks
from envol.reconnect.drive_states import DriveState
from envol.reconnect.executor import run_account
from envol.reconnect.models import AccountDrive, FollowTask
from envol.reconnect.progress import progress_for
from envol.reconnect.scheduling import keep_schedule
from envol.reconnect.service import retry_failed
from envol.reconnect.states import GRAPH, TaskState
from envol.registry.models import Account, Person
from envol.stats.metrics import follow_requests, follows_done
from fakes.follow_port import FakeFollowPort

from .conftest import account, plan_targets, states

pytestmark = pytest.mark.django_db
S = TaskState
MIN, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by


@pytest.fixture
def port(monkeypatch: pytest.MonkeyPatch) -> FakeFollowPort:
    fake = FakeFollowPort()
    monkeypatch.setattr("envol.reconnect.executor.ports_for", lambda account: fake)
    return fake


def _source() -> Account:
    return account(
        Person.objects.create(), Platform.MASTODON, "https://home.test/users/alice", "alice@home.test"
    )


def _task(target: str) -> FollowTask:
    return FollowTask.objects.get(target_id=target)


def test_the_schedules_are_declared_once() -> None:
    assert rechecks.REQUEST_CHECKS[:4] == (MIN, 10 * MIN, HOUR, 6 * HOUR)
    assert rechecks.REQUEST_CHECKS[4:] == tuple(d * DAY for d in range(1, 15))
    t = datetime(2026, 1, 1, tzinfo=UTC)
    assert rechecks.next_request_check(t, 0) == t + MIN
    assert rechecks.next_request_check(t, 18) is None  # after 14 days: pending until the person acts
    assert [rechecks.next_lookup(t, n) - t for n in (1, 2, 3, 4, 9)] == [10 * MIN, HOUR, 6 * HOUR, DAY, DAY]
    assert not rechecks.may_be_gone(5, t, t + 23 * HOUR)
    assert not rechecks.may_be_gone(2, t, t + 2 * DAY)
    assert rechecks.may_be_gone(3, t, t + DAY)
    assert rechecks.next_gone_check(t + 84 * DAY, t) is None
    assert rechecks.next_gone_check(t, t) == t + 7 * DAY


def test_the_graph_declares_the_ways_back() -> None:
    assert S.DONE in GRAPH[S.REQUESTED]  # a re-check found the request accepted
    assert S.PLANNED in GRAPH[S.UNDONE]  # chosen again after an undo
    assert S.READY in GRAPH[S.SKIPPED]  # a gone target's weekly look, or a retry


def test_a_request_is_rechecked_on_the_schedule_until_it_is_accepted(port: FakeFollowPort) -> None:
    source, clock = _source(), Clock()
    port.locked.add("t0")  # the server answers with a request (locked, or accepting later)
    plan_targets(source, [("t0", "t0@far.test"), ("t1", "t1@far.test")])
    run_account(source.pk, clock=clock)
    assert states(source) == {"done": 1, "requested": 1}
    asked = _task("t0")
    assert asked.check_at == clock() + MIN

    clock.advance(30 * timedelta(seconds=1))
    run_account(source.pk, clock=clock)
    assert port.called("present") == []  # not due yet
    clock.advance(30 * timedelta(seconds=1))
    run_account(source.pk, clock=clock)
    assert port.called("present") == [[asked.record_key]]
    asked.refresh_from_db()
    assert (asked.state, asked.checks, asked.check_at) == (S.REQUESTED, 1, clock() - MIN + 10 * MIN)

    port.requested.discard(asked.record_key)  # the target's server accepts
    port.follows[asked.record_key] = "t0"
    clock.advance(9 * MIN)
    run_account(source.pk, clock=clock)
    assert states(source) == {"done": 2}
    assert _task("t0").check_at is None
    assert follows_done()["mastodon"] == 2


def test_a_request_never_accepted_stays_pending_and_counts_apart(port: FakeFollowPort) -> None:
    source, clock = _source(), Clock()
    port.locked.add("t0")
    plan_targets(source, [("t0", "t0@far.test"), ("t1", "t1@far.test")])
    run_account(source.pk, clock=clock)
    for _ in range(len(rechecks.REQUEST_CHECKS)):
        clock.advance(_task("t0").check_at - clock())  # type: ignore[operator]
        run_account(source.pk, clock=clock)
    asked = _task("t0")
    assert (asked.state, asked.checks, asked.check_at) == (S.REQUESTED, 18, None)
    assert len(port.called("present")) == 18

    (row,) = progress_for(source.person_id)
    assert (row.done, row.pending, row.retryable) == (1, 1, 1)  # accepted follows apart from requests
    assert follows_done()["mastodon"] == 1
    assert follow_requests()["mastodon"] == 1
    assert retry_failed(source) == (0, 1)  # the person acts: re-checked again from now
    assert _task("t0").check_at is not None


def test_a_declined_request_is_skipped(port: FakeFollowPort) -> None:
    source, clock = _source(), Clock()
    port.locked.add("t0")
    plan_targets(source, [("t0", "t0@far.test")])
    run_account(source.pk, clock=clock)
    port.requested.clear()  # refused by the target
    clock.advance(MIN)
    run_account(source.pk, clock=clock)
    assert (_task("t0").state, _task("t0").reason) == (S.SKIPPED, "declined")


def _run_until(source: Account, clock: Clock, done: object, *, limit: int = 40) -> int:
    """Run at each next lookup until `done()` holds; the number of lookups it took."""
    for step in range(limit):
        run_account(source.pk, clock=clock)
        if done():  # type: ignore[operator]
            return step + 1
        task = _task("t0")
        assert task.check_at is not None, task.state
        clock.advance(max(task.check_at - clock(), timedelta(0)))
    raise AssertionError("never settled")


def test_a_target_not_found_now_is_looked_up_again_and_never_gone_without_its_server(
    port: FakeFollowPort,
) -> None:
    source, clock = _source(), Clock()
    port.gone.add("t0")  # the person's instance finds nobody now
    plan_targets(source, [("t0", "t0@far.test")])
    run_account(source.pk, clock=clock)
    task = _task("t0")
    assert (task.state, task.reason, task.misses) == (S.READY, "not_found_yet", 1)
    assert task.check_at == clock() + 10 * MIN
    run_account(source.pk, clock=clock)
    assert port.called("prepare") == ["t0"]  # not looked up again before its time

    started = clock()
    for _ in range(8):  # a week of lookups: its server never says 404 or 410 (down, 5xx, TLS…)
        clock.advance(_task("t0").check_at - clock())  # type: ignore[operator]
        run_account(source.pk, clock=clock)
    assert _task("t0").state == S.READY
    assert clock() - started > 3 * DAY
    assert port.called("confirms_gone")  # asked only once enough misses spread over a day

    port.gone.discard("t0")  # the remote server is back
    clock.advance(_task("t0").check_at - clock())  # type: ignore[operator]
    run_account(source.pk, clock=clock)
    assert states(source) == {"done": 1}
    assert (_task("t0").misses, _task("t0").reason) == (0, "")


def test_gone_takes_three_misses_over_a_day_and_its_servers_word_then_weekly_looks(
    port: FakeFollowPort,
) -> None:
    source, clock = _source(), Clock()
    port.gone.add("t0")
    port.confirmed_gone.add("t0")  # its home server answers 404 or 410
    plan_targets(source, [("t0", "t0@far.test")])
    started = clock()
    lookups = _run_until(source, clock, lambda: _task("t0").state == S.SKIPPED)
    task = _task("t0")
    assert task.reason == "gone"
    assert lookups >= 3
    assert clock() - started >= DAY
    assert task.check_at == clock() + 7 * DAY

    port.gone.discard("t0")  # back a week later
    clock.advance(7 * DAY)
    run_account(source.pk, clock=clock)
    assert states(source) == {"done": 1}


def test_try_again_revives_a_target_called_gone(port: FakeFollowPort) -> None:
    source, clock = _source(), Clock()
    port.gone.add("t0")
    port.confirmed_gone.add("t0")
    plan_targets(source, [("t0", "t0@far.test")])
    _run_until(source, clock, lambda: _task("t0").state == S.SKIPPED)
    (row,) = progress_for(source.person_id)
    assert row.retryable == 1
    port.gone.discard("t0")
    assert retry_failed(source) == (1, 0)
    assert (_task("t0").state, _task("t0").misses) == (S.READY, 0)
    run_account(source.pk, clock=clock)
    assert states(source) == {"done": 1}


def test_the_heartbeat_wakes_an_idle_account_when_a_recheck_falls_due(port: FakeFollowPort) -> None:
    source, clock = _source(), Clock()
    port.locked.add("t0")
    plan_targets(source, [("t0", "t0@far.test")])
    assert run_account(source.pk, clock=clock) == "idle"  # nothing but a re-check left
    drive = AccountDrive.objects.get(account=source)
    assert drive.state == DriveState.IDLE
    keep_schedule(now=clock() + 30 * timedelta(seconds=1))
    assert AccountDrive.objects.get(account=source).state == DriveState.IDLE  # not due yet
    keep_schedule(now=clock() + MIN)
    assert AccountDrive.objects.get(account=source).state == DriveState.DUE


def test_a_target_no_longer_chosen_while_not_found_is_not_looked_for_again(port: FakeFollowPort) -> None:
    source, clock = _source(), Clock()
    port.gone.add("t0")
    plan_targets(source, [("t0", "t0@far.test")])
    run_account(source.pk, clock=clock)
    assert _task("t0").reason == "not_found_yet"
    FollowTask.objects.update(state=TaskState.SKIPPED, reason="not_chosen")  # a stale check_at stays
    keep_schedule(now=clock() + DAY)
    assert AccountDrive.objects.get(account=source).state == DriveState.IDLE  # nothing owed: not woken
