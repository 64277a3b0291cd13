"""The engine's rules, against the recording in-memory follow port (tests/fakes/follow_port.py):
one algorithm for every platform. The same behaviours against real servers: test_bluesky.py (the
local PDS), test_mastodon.py (the strict fake Mastodon)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from envol.core.ids import Platform
from envol.platforms.errors import AuthExpired, ErrorCode, Rejected, Transient
from envol.platforms.follows import Room
from envol.platforms.ratelimit import RateLimitReading
from envol.reconnect.drive_states import DriveState
from envol.reconnect.executor import run_account
from envol.reconnect.models import AccountDrive, DriveRun, FollowTask
from envol.reconnect.service import request_undo
from envol.registry.models import Account, Person
from fakes.follow_port import FakeFollowPort

from .conftest import account, plan_targets, states

pytestmark = pytest.mark.django_db


@pytest.fixture
def port(monkeypatch: pytest.MonkeyPatch) -> FakeFollowPort:
    fake = FakeFollowPort()
    monkeypatch.setattr("envol.reconnect.executor.ports_for", lambda account: fake)
    return fake


def _source(platform: Platform = Platform.BLUESKY) -> Account:
    return account(Person.objects.create(), platform, f"did:plc:{Person.objects.count()}")


def _targets(n: int) -> list[tuple[str, str]]:
    return [(f"did:plc:t{i}", f"t{i}.test") for i in range(n)]


def test_every_target_once_in_batches_the_budget_allows(port: FakeFollowPort) -> None:
    source = _source()
    plan_targets(source, _targets(450))
    assert run_account(source.pk) == "idle"
    assert states(source) == {"done": 450}
    assert port.followed_targets() == sorted(t for t, _ in _targets(450))
    assert [len(batch) for batch in port.called("follow")] == [200, 200, 50]  # type: ignore[arg-type]
    assert port.closed
    run = DriveRun.objects.get(account=source)
    assert (run.outcome, run.followed, run.requests) == ("idle", 450, port.requests)
    assert AccountDrive.objects.get(account=source).state == DriveState.IDLE


def test_a_lost_answer_is_reconciled_never_sent_twice(port: FakeFollowPort) -> None:
    source = _source()
    plan_targets(source, _targets(3))
    port.fail("follow", Transient("the answer was lost"), after=True)
    assert run_account(source.pk) == "retry"
    assert AccountDrive.objects.get(account=source).state == DriveState.BACKING_OFF
    assert run_account(source.pk) == "idle"
    assert states(source) == {"done": 3}
    assert len(port.called("follow")) == 1  # the write happened once; the next run only read it
    assert port.called("present") == [[t.record_key for t in FollowTask.objects.order_by("pk")]]


def test_a_write_that_never_happened_is_sent_again_with_the_same_keys(port: FakeFollowPort) -> None:
    source = _source()
    plan_targets(source, _targets(2))
    port.fail("follow", Transient("refused before acting"))
    assert run_account(source.pk) == "retry"
    keys = list(FollowTask.objects.order_by("pk").values_list("record_key", flat=True))
    assert run_account(source.pk) == "idle"
    sent = port.called("follow")
    assert sent[0] == sent[1] == [(k, t) for k, (t, _) in zip(keys, _targets(2), strict=True)]


def test_a_refused_batch_is_halved_to_its_culprit(port: FakeFollowPort) -> None:
    source = _source()
    plan_targets(source, _targets(4))
    port.fail("follow", Rejected("one bad record", code=ErrorCode.INVALID))  # the batch of 4
    port.fail("follow", Rejected("one bad record", code=ErrorCode.INVALID))  # its first half
    port.fail("follow", Rejected("one bad record", code=ErrorCode.INVALID))  # t0 alone
    assert run_account(source.pk) == "idle"
    assert states(source) == {"done": 3, "skipped": 1}
    assert FollowTask.objects.get(state="skipped").target_id == "did:plc:t0"
    assert [len(b) for b in port.called("follow")] == [4, 2, 1, 1, 2]  # type: ignore[arg-type]


def test_already_followed_targets_are_not_sent(port: FakeFollowPort) -> None:
    source = _source()
    port.follows["theirs"] = "did:plc:t1"
    plan_targets(source, _targets(3))
    assert run_account(source.pk) == "idle"
    assert states(source) == {"done": 2, "already_following": 1}
    assert all("did:plc:t1" not in str(b) for b in port.called("follow"))


def test_targets_not_found_now_wait_and_locked_ones_are_requested(port: FakeFollowPort) -> None:
    source = _source(Platform.MASTODON)
    port.gone.add("did:plc:t0")
    port.locked.add("did:plc:t1")
    plan_targets(source, _targets(3))
    assert run_account(source.pk) == "idle"
    # Not found now is not gone (issue 18): it waits for its next lookup (test_look_again.py).
    assert states(source) == {"ready": 1, "requested": 1, "done": 1}
    assert FollowTask.objects.get(state="ready").reason == "not_found_yet"


def test_a_rule_on_room_pauses_the_account(port: FakeFollowPort) -> None:
    source = _source(Platform.MASTODON)
    port.room_rule = Room(limit=7500, following=7499)
    plan_targets(source, _targets(3))
    port.fail("follow", Rejected("You can't follow more than 7500 people", code=ErrorCode.FOLLOW_LIMIT))
    assert run_account(source.pk) == "budget"
    drive = AccountDrive.objects.get(account=source)
    assert (drive.state, drive.paused_reason, drive.last_error) == (
        DriveState.PAUSED,
        "follow_limit",
        "follow_limit:7500",
    )
    assert drive.next_run_at is not None
    assert drive.next_run_at > timezone.now() + timedelta(hours=23)
    assert states(source) == {"ready": 3}


def test_a_refused_token_is_renewed_once(port: FakeFollowPort) -> None:
    source = _source()
    plan_targets(source, _targets(2))
    port.renewals_left = 1
    port.fail("following", AuthExpired("token refused before its time"))
    assert run_account(source.pk) == "idle"
    assert states(source) == {"done": 2}
    assert port.called("reauthorise") == [None]


def test_a_server_reading_paces_the_account(port: FakeFollowPort) -> None:
    source = _source()
    plan_targets(source, _targets(2))
    later = timezone.now() + timedelta(minutes=10)
    port.reading = RateLimitReading(limit=5000, remaining=0, reset_at=later, window_seconds=3600)
    assert run_account(source.pk) == "budget"
    drive = AccountDrive.objects.get(account=source)
    assert drive.state == DriveState.DUE
    assert drive.next_run_at is not None
    assert abs((drive.next_run_at - later).total_seconds()) < 1


def test_undo_removes_only_envols_follows(port: FakeFollowPort) -> None:
    source = _source()
    port.follows["theirs"] = "did:plc:t1"
    plan_targets(source, _targets(3))
    assert run_account(source.pk) == "idle"
    assert request_undo(source) == 2
    assert run_account(source.pk) == "idle"
    assert states(source) == {"undone": 2, "already_following": 1}
    assert port.follows == {"theirs": "did:plc:t1"}
