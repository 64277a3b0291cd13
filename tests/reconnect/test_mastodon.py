"""The executor against the strict fake Mastodon, through the production connector and port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from envol.reconnect.executor import run_account
from envol.reconnect.models import AccountDrive, FollowTask
from envol.reconnect.service import request_undo
from envol.reconnect.states import TaskState
from envol.registry.models import Account
from fakes.mastodon import FakeClock, FakeMastodon
from fakes.mastodon.fixtures import FakeMastodonFactory

from .conftest import mastodon_source, plan_targets, states

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_hosts")]


def uri(fake: FakeMastodon, username: str) -> tuple[str, str]:
    return f"https://{fake.domain}/users/{username}", f"{username}@{fake.domain}"


def run(source: Account, clock: FakeClock) -> str:
    return run_account(source.pk, clock=clock.now)


def test_targets_resolved_through_the_home_instance(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    home, other = fake_mastodon("home.test"), fake_mastodon("other.test")
    source = mastodon_source(home, "alice")
    for name in ("bob", "carol"):
        home.add_account(name)
    other.add_account("erin")
    home.seed_follow("alice", "carol@home.test")  # followed before Envol
    tasks = plan_targets(source, [uri(home, "bob"), uri(home, "carol"), uri(other, "erin")])

    assert run(source, mastodon_clock) == "idle"

    by_target = {t.target_handle: t for t in FollowTask.objects.filter(source=source)}
    assert by_target["bob@home.test"].state == TaskState.DONE
    assert by_target["carol@home.test"].state == TaskState.ALREADY_FOLLOWING
    assert by_target["erin@other.test"].state == TaskState.DONE
    # The id recorded is the home instance's own id for Erin (ids differ on every instance).
    assert by_target["erin@other.test"].record_key == home.account_id("erin@other.test")
    assert by_target["erin@other.test"].record_key != other.account_id("erin")
    assert sorted(home.following_of("alice")) == ["bob@home.test", "carol@home.test", "erin@other.test"]
    assert len(tasks) == 3


def test_locked_target_is_requested_and_moved_target_followed_at_its_new_address(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    home = fake_mastodon("home.test")
    source = mastodon_source(home, "alice")
    home.add_account("locky", locked=True)
    home.add_account("newdave")
    home.add_account("dave", moved_to="newdave@home.test")
    plan_targets(source, [uri(home, "locky"), uri(home, "dave")])

    run(source, mastodon_clock)

    locky = FollowTask.objects.get(source=source, target_handle="locky@home.test")
    dave = FollowTask.objects.get(source=source, target_handle="dave@home.test")
    assert locky.state == TaskState.REQUESTED
    assert home.requested_by("alice") == ["locky@home.test"]
    assert dave.state == TaskState.DONE
    assert dave.followed_acct == "newdave@home.test"
    assert home.following_of("alice") == ["newdave@home.test"]


def test_400_follows_per_utc_day_without_a_single_429(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    home = fake_mastodon("home.test")
    source = mastodon_source(home, "alice")
    targets = []
    for i in range(420):
        home.add_account(f"t{i}")
        targets.append(uri(home, f"t{i}"))
    plan_targets(source, targets)
    midnight = datetime(2026, 11, 24, tzinfo=UTC)

    runs = 0
    while True:
        runs += 1
        outcome = run(source, mastodon_clock)
        drive = AccountDrive.objects.get(account=source)
        assert drive.next_run_at is not None, outcome
        if drive.next_run_at >= midnight:
            break
        # The engine paused for the 5-minute request window: let that time pass, as a worker would.
        assert outcome == "budget"
        mastodon_clock.set(drive.next_run_at)
        assert runs < 20

    assert home.follows_counted_today("alice") == 400
    assert states(source) == {"done": 400, "ready": 20}
    assert drive.next_run_at == midnight  # the follow window resets at 00:00 UTC
    assert not [r for r in home.request_log if r.status == 429]

    mastodon_clock.set(midnight + timedelta(seconds=1))
    assert run(source, mastodon_clock) == "idle"
    assert states(source) == {"done": 420}
    assert not [r for r in home.request_log if r.status == 429]


def test_the_7500_rule_pauses_the_account_with_a_clear_reason(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    home = fake_mastodon("home.test")
    home.add_account("alice", following_count=7499)
    source = mastodon_source(home, "alice", create=False)
    for name in ("bob", "carol", "dave"):
        home.add_account(name)
    plan_targets(source, [uri(home, "bob"), uri(home, "carol"), uri(home, "dave")])

    assert run(source, mastodon_clock) == "budget"

    drive = AccountDrive.objects.get(account=source)
    assert drive.paused_reason == "follow_limit"
    assert drive.last_error == "follow_limit:7500"
    assert states(source) == {"done": 1, "ready": 2}  # nothing is lost: it waits for room
    # Refused by the server once (422), then never asked again while the account is full.
    refused = [r for r in home.request_log if r.status == 422]
    assert len(refused) == 1
    assert run(source, mastodon_clock) in {"budget", "busy"}
    assert len([r for r in home.request_log if r.status == 422]) == 1


def test_lost_authorisation_waits(fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock) -> None:
    # Gone targets: test_mastodon_world.py (called gone only by the rule of issue 18).
    home = fake_mastodon("home.test")
    source = mastodon_source(home, "alice")
    home.add_account("bob")
    plan_targets(source, [uri(home, "bob")])
    home.revoke_token(source.access_token or "")
    assert run(source, mastodon_clock) == "waiting_auth"
    source.refresh_from_db()
    assert source.needs_reauth
    assert (
        FollowTask.objects.get(source=source, target_handle="bob@home.test").state == TaskState.WAITING_AUTH
    )


def test_a_passing_fault_backs_off_then_the_follow_happens(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock, settings: object
) -> None:
    home = fake_mastodon("home.test")
    source = mastodon_source(home, "alice")
    home.add_account("bob")
    plan_targets(source, [uri(home, "bob")])
    home.fail_next(1, status=502)
    assert run(source, mastodon_clock) == "retry"
    drive = AccountDrive.objects.get(account=source)
    assert drive.error_streak == 1
    assert drive.next_run_at is not None
    assert drive.next_run_at > mastodon_clock.now()
    assert run(source, mastodon_clock) == "idle"
    assert states(source) == {"done": 1}
    assert AccountDrive.objects.get(account=source).error_streak == 0


def test_undo_removes_only_the_follows_envol_made(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    home = fake_mastodon("home.test")
    source = mastodon_source(home, "alice")
    for name in ("bob", "carol", "locky"):
        home.add_account(name, locked=name == "locky")
    home.seed_follow("alice", "carol@home.test")
    plan_targets(source, [uri(home, "bob"), uri(home, "carol"), uri(home, "locky")])
    run(source, mastodon_clock)
    assert states(source) == {"done": 1, "already_following": 1, "requested": 1}

    assert request_undo(source) == 2
    run(source, mastodon_clock)

    assert states(source) == {"undone": 2, "already_following": 1}
    assert home.following_of("alice") == ["carol@home.test"]
    assert home.requested_by("alice") == []
