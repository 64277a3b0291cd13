"""Pacing for reputation in the engine (envol.reconnect.reputation), against the recording follow
port and the strict fake Mastodon: gentle bursts, the follow-back hold, the label watch with its
pause that only the person lifts, the follow order and the prompt follow-back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from envol.core.ids import Platform
from envol.matching.candidates import KnownAccount
from envol.platforms.follows import Standing
from envol.reconnect import budgets, reputation
from envol.reconnect.drive_states import DriveState
from envol.reconnect.executor import run_account
from envol.reconnect.models import AccountDrive, FollowTask, Mode, Pace, ReconnectChoice
from envol.reconnect.plan import insert_missing
from envol.reconnect.progress import progress_for
from envol.reconnect.service import resume, set_pace
from envol.reconnect.states import TaskState
from envol.registry.models import Account, Person
from fakes.follow_port import FakeFollowPort
from fakes.mastodon.clock import FakeClock
from fakes.mastodon.fixtures import FakeMastodonFactory

from .conftest import account, mastodon_source, plan_targets

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("paced")]
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
YEAR_AGO = NOW - timedelta(days=365)


@pytest.fixture
def port(monkeypatch: pytest.MonkeyPatch) -> FakeFollowPort:
    fake = FakeFollowPort()
    monkeypatch.setattr("envol.reconnect.executor.ports_for", lambda account: fake)
    return fake


def _source(
    followers: int = 0, *, created: datetime = YEAR_AGO, labels: frozenset[str] = frozenset()
) -> Account:
    source = account(Person.objects.create(), Platform.BLUESKY, f"did:plc:s{Person.objects.count()}")
    ReconnectChoice.objects.create(account=source, directions="both", mode=Mode.AUTOMATIC)
    return source


def _targets(n: int) -> list[tuple[str, str]]:
    return [(f"did:plc:t{i}", f"t{i}.test") for i in range(n)]


def _run(source: Account, at: datetime) -> str:
    return run_account(source.pk, clock=lambda: at)


def _drive(source: Account) -> AccountDrive:
    return AccountDrive.objects.get(account=source)


def test_a_new_account_starts_with_small_bursts(port: FakeFollowPort) -> None:
    port.profile = Standing(
        frozenset(), followers=3, following=0, posts=40, created_at=NOW - timedelta(days=2)
    )
    source = _source()
    plan_targets(source, _targets(400))
    assert _run(source, NOW) == "budget"
    assert len(port.follows) == 50  # ENVOL_PACING_NEW_BURST
    drive = _drive(source)
    assert drive.state == DriveState.DUE
    assert drive.next_run_at == NOW + timedelta(minutes=120)  # the burst window
    assert _run(source, NOW + timedelta(minutes=30)) == "budget"
    assert len(port.follows) == 50
    for hours in (2, 4):
        _run(source, NOW + timedelta(hours=hours))
    assert len(port.follows) == 150  # ENVOL_PACING_NEW_DAILY: then tomorrow
    _run(source, NOW + timedelta(hours=6))
    assert len(port.follows) == 150
    assert _drive(source).next_run_at == NOW + timedelta(days=1)


def test_nobody_following_back_stops_at_200_and_says_why(port: FakeFollowPort) -> None:
    port.profile = Standing(frozenset(), followers=0, following=0, posts=500, created_at=YEAR_AGO)
    source = _source()
    plan_targets(source, _targets(600))
    for hours in range(0, 48, 3):
        _run(source, NOW + timedelta(hours=hours))
    assert len(port.follows) == 200
    drive = _drive(source)
    assert (drive.state, drive.paused_reason) == (DriveState.PAUSED, "follow_back")
    with translation.override("en"):
        row = progress_for(source.person_id, now=NOW + timedelta(days=2))[0]
    assert "200" in row.paused
    assert "follow" in row.paused
    assert (row.eta, row.reachable, row.resumable) == (None, 0, False)
    # Five people follow back: 1 % allows 500, and the account goes on by itself.
    port.profile = Standing(frozenset(), followers=5, following=0, posts=500, created_at=YEAR_AGO)
    for hours in range(48, 96, 3):
        _run(source, NOW + timedelta(hours=hours))
    assert len(port.follows) == 500
    assert _drive(source).paused_reason == "follow_back"


def test_a_spam_label_pauses_at_once_and_only_the_person_resumes(port: FakeFollowPort) -> None:
    port.profile = Standing(frozenset({"spam"}), followers=500, following=10, posts=50, created_at=YEAR_AGO)
    source = _source()
    plan_targets(source, _targets(20))
    assert _run(source, NOW) == "budget"
    assert port.called("follow") == []
    drive = _drive(source)
    assert (drive.state, drive.paused_reason, drive.last_error) == (
        DriveState.PAUSED,
        "labelled",
        "labelled:spam",
    )
    # The label goes; the account stays paused until the person says so.
    port.profile = Standing(frozenset(), followers=500, following=10, posts=50, created_at=YEAR_AGO)
    _run(source, NOW + timedelta(days=1))
    assert port.called("follow") == []
    for language, words in (("en", "appeal"), ("fr", "contester")):
        with translation.override(language):
            row = progress_for(source.person_id, now=NOW)[0]
        assert row.resumable
        assert words in row.paused
        assert "spam" in row.paused
    assert resume(source)
    assert _run(source, NOW + timedelta(days=1, minutes=1)) == "idle"
    assert len(port.follows) == 20
    assert not resume(source)  # nothing to resume any more


def test_a_label_seen_between_bursts_stops_the_run(
    port: FakeFollowPort, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVOL_PACING_CHECK_EVERY", "20")
    port.profile = Standing(frozenset(), followers=10**4, following=0, posts=10**3, created_at=YEAR_AGO)
    source = _source()
    set_pace(source, Pace.FAST)
    plan_targets(source, _targets(100))
    original = port.follow

    def follow_then_labelled(targets: list[tuple[str, str]], created_at: datetime) -> list:
        port.profile = Standing(frozenset({"!hide"}), 10**4, 0, 10**3, YEAR_AGO)
        return original(targets, created_at)

    monkeypatch.setattr(port, "follow", follow_then_labelled)
    small = budgets.Policy(budgets.BLUESKY.buckets, budgets.BLUESKY.per_item, budgets.BLUESKY.per_call, 20)
    monkeypatch.setattr("envol.reconnect.follow_run.follow_policy", lambda platform: small)
    _run(source, NOW)
    assert _drive(source).paused_reason == "labelled"
    assert len(port.follows) < 100


def test_follow_backs_first_then_mutuals_then_followers(port: FakeFollowPort) -> None:
    port.profile = Standing(frozenset(), followers=10**4, following=0, posts=10**3, created_at=YEAR_AGO)
    source = _source()
    tasks = plan_targets(source, _targets(6))
    FollowTask.objects.filter(pk=tasks[1].pk).update(followee=False, follower=True)
    FollowTask.objects.filter(pk=tasks[3].pk).update(followee=True, follower=True)
    # Someone Envol already made follow this account: following them back goes first.
    other = account(Person.objects.create(), Platform.BLUESKY, "did:plc:t5")
    insert_missing(
        other, [KnownAccount(0, Platform.BLUESKY, source.pk, source.stable_id, "s", True, True)], NOW
    )
    FollowTask.objects.filter(source=other).update(state=TaskState.DONE)
    FollowTask.objects.filter(pk=tasks[5].pk).update(target_account=other)
    monkey_batch = port.follow
    sent: list[str] = []

    def one_by_one(targets: list[tuple[str, str]], created_at: datetime) -> list:
        sent.extend(t for _, t in targets)
        return monkey_batch(targets, created_at)

    port.follow = one_by_one  # type: ignore[method-assign]
    _run(source, NOW)
    assert sent == ["did:plc:t5", "did:plc:t3", "did:plc:t1", "did:plc:t0", "did:plc:t2", "did:plc:t4"]


def test_the_person_followed_back_is_woken_at_once(port: FakeFollowPort) -> None:
    port.profile = Standing(frozenset(), followers=10**4, following=0, posts=10**3, created_at=YEAR_AGO)
    alice, bob = _source(), _source()
    insert_missing(alice, [KnownAccount(0, Platform.BLUESKY, bob.pk, bob.stable_id, "bob", True, True)], NOW)
    insert_missing(bob, [KnownAccount(0, Platform.BLUESKY, alice.pk, alice.stable_id, "al", True, True)], NOW)
    FollowTask.objects.update(state=TaskState.READY)
    AccountDrive.objects.update_or_create(
        account=bob, defaults={"state": DriveState.IDLE, "next_run_at": None}
    )
    _run(alice, NOW)
    assert _drive(bob).state == DriveState.DUE


def test_as_fast_as_allowed_lifts_the_bursts_not_the_follow_back_rule(port: FakeFollowPort) -> None:
    port.profile = Standing(
        frozenset(), followers=3, following=0, posts=40, created_at=NOW - timedelta(days=1)
    )
    source = _source()
    assert set_pace(source, Pace.FAST)
    plan_targets(source, _targets(400))
    _run(source, NOW)
    assert len(port.follows) == 300  # 3 followers: 1 % allows 300
    assert _drive(source).paused_reason == "follow_back"


def test_the_progress_tells_the_paced_eta_beside_the_budget_one(port: FakeFollowPort) -> None:
    port.profile = Standing(frozenset(), followers=10**4, following=0, posts=10**3, created_at=YEAR_AGO)
    source = _source()
    plan_targets(source, _targets(1150))
    _run(source, NOW)  # one burst of 150; the counts are known from now on
    row = progress_for(source.person_id, now=NOW)[0]
    assert row.eta_budget is not None
    assert row.eta is not None
    assert row.eta_budget - NOW < timedelta(hours=1)  # 1,666 an hour by the published budget
    assert row.eta - NOW > timedelta(days=2)  # 400 a day
    assert (row.daily_ceiling, row.reachable, row.pace) == (400, 1000, "gentle")


@pytest.mark.usefixtures("private_hosts")
def test_a_limited_mastodon_account_is_paused(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    home = fake_mastodon("home.test")
    source = mastodon_source(home, "alice")
    home.add_account("bob")
    plan_targets(source, [("https://home.test/users/bob", "bob@home.test")])
    home.limit("alice")
    assert run_account(source.pk, clock=mastodon_clock.now) == "budget"
    drive = _drive(source)
    assert (drive.paused_reason, drive.last_error) == ("labelled", "labelled:limited")
    assert home.following_of("alice") == []


def test_a_resume_pressed_during_the_run_is_kept_and_runs_at_once(
    port: FakeFollowPort, monkeypatch: pytest.MonkeyPatch
) -> None:
    port.profile = Standing(frozenset({"spam"}), followers=500, following=10, posts=50, created_at=YEAR_AGO)
    source = _source()
    plan_targets(source, _targets(20))
    _run(source, NOW)
    assert _drive(source).paused_reason == "labelled"
    port.profile = Standing(frozenset(), followers=500, following=10, posts=50, created_at=YEAR_AGO)
    held_by_person = reputation.held_by_person

    def pressed_meanwhile(run: object) -> object:
        # The person's click lands while this run holds the drive, after it read the pause.
        assert resume(source)
        return held_by_person(run)  # type: ignore[arg-type]

    monkeypatch.setattr(reputation, "held_by_person", pressed_meanwhile)
    _run(source, NOW + timedelta(hours=1))
    drive = _drive(source)
    assert (drive.paused_reason, drive.last_error) == ("", "")
    assert drive.state == DriveState.DUE
    assert drive.next_run_at == NOW + timedelta(hours=1)  # at once, not at the pause's next look
    monkeypatch.setattr(reputation, "held_by_person", held_by_person)
    assert _run(source, NOW + timedelta(hours=1, minutes=1)) == "idle"
    assert len(port.follows) == 20
