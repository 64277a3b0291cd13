"""The engine against the fake Mastodon behaving like the world (tests/fakes/mastodon/worldly.py):
follows accepted later, remote lookups that find nothing for a while, and targets whose own server
says (or cannot say) that they are gone. Every run goes through the production port and connector;
the engine's clock is the fake's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from envol.reconnect.executor import run_account
from envol.reconnect.models import AccountDrive, FollowTask
from envol.reconnect.states import TaskState
from envol.registry.models import Account
from envol.stats.metrics import follow_requests, follows_done
from fakes.mastodon import AsyncAccept, FakeClock, FakeMastodon, FlakyLookups, Mode
from fakes.mastodon.fixtures import FakeMastodonFactory

from .conftest import mastodon_source, plan_targets, states

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_hosts")]

MODES: dict[str, Callable[[], list[Mode]]] = {
    "strict": list,
    "async-accept": lambda: [AsyncAccept(delay=20)],
    "flaky-lookups": lambda: [FlakyLookups(for_seconds=900, only=lambda q: "far.test" in q)],
    "both": lambda: [AsyncAccept(delay=90), FlakyLookups(for_seconds=3600, only=lambda q: "far.test" in q)],
}


def uri(fake: FakeMastodon, username: str) -> tuple[str, str]:
    return f"https://{fake.domain}/users/{username}", f"{username}@{fake.domain}"


def next_time(source: Account, clock: FakeClock) -> None:
    """Let time pass until the engine's next appointment: a re-check, a lookup, or its drive's."""
    tasks = FollowTask.objects.filter(source=source, check_at__isnull=False).order_by("check_at")
    times = [t for t in tasks.values_list("check_at", flat=True)[:1]]
    drive = AccountDrive.objects.get(account=source)
    if drive.next_run_at is not None and drive.next_run_at > clock.now():
        times.append(drive.next_run_at)
    assert times, states(source)
    clock.set(max(min(times), clock.now()))


def drive_to_end(source: Account, clock: FakeClock, done: Callable[[], bool], *, limit: int = 80) -> int:
    for step in range(limit):
        run_account(source.pk, clock=clock.now)
        if done():
            return step + 1
        next_time(source, clock)
    raise AssertionError(f"never settled: {states(source)}")


@pytest.mark.parametrize("mode", list(MODES))
def test_every_follow_ends_accepted_exactly_once_in_each_mode(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock, mode: str
) -> None:
    home = fake_mastodon("home.test", modes=MODES[mode]())
    far = fake_mastodon("far.test")
    source = mastodon_source(home, "alice")
    targets = []
    for i in range(5):
        home.add_account(f"h{i}")
        far.add_account(f"f{i}")
        targets += [uri(home, f"h{i}"), uri(far, f"f{i}")]
    plan_targets(source, targets)

    drive_to_end(source, mastodon_clock, lambda: states(source) == {"done": 10})

    assert sorted(home.following_of("alice")) == sorted(handle for _, handle in targets)
    assert home.requested_by("alice") == []
    assert follows_done()["mastodon"] == 10 == len(home.following_of("alice"))
    assert follow_requests()["mastodon"] == 0
    assert not FollowTask.objects.filter(reason="gone").exists()


def test_async_accepts_are_requested_first_then_done_on_a_recheck(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    accepting = AsyncAccept(delay=30)
    home = fake_mastodon("home.test", modes=[accepting])
    source = mastodon_source(home, "alice")
    home.add_account("bob")
    plan_targets(source, [uri(home, "bob")])
    run_account(source.pk, clock=mastodon_clock.now)
    assert states(source) == {"requested": 1}  # what the server answered
    assert follows_done()["mastodon"] == 0
    assert follow_requests()["mastodon"] == 1
    mastodon_clock.advance(60)
    run_account(source.pk, clock=mastodon_clock.now)
    assert states(source) == {"done": 1}
    assert accepting.accepted == 1
    relationships = [r for r in home.request_log if r.path == "/api/v1/accounts/relationships"]
    assert len(relationships) == 2  # the check before the follow, and one re-check


def test_a_target_is_gone_only_on_its_own_servers_word(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = fake_mastodon("home.test")
    far = fake_mastodon("far.test")
    # down.test answers nothing (a closed port): a failure to connect never calls anyone gone.
    monkeypatch.setenv(
        "ENVOL_MASTODON_INSTANCE_URLS", f"far.test={far.base_url},down.test=http://127.0.0.1:9"
    )
    source = mastodon_source(home, "alice")
    far.add_account("sus", suspended=True)  # its WebFinger says 410
    nobody = ("https://far.test/users/nobody", "nobody@far.test")  # 404
    down = ("https://down.test/users/x", "x@down.test")
    plan_targets(source, [nobody, uri(far, "sus"), down])
    started = mastodon_clock.now()

    def settled() -> bool:
        return states(source) == {"skipped": 2, "ready": 1}

    lookups = drive_to_end(source, mastodon_clock, settled)
    assert mastodon_clock.now() - started >= timedelta(hours=24)
    assert lookups >= 3
    gone = FollowTask.objects.filter(source=source, state=TaskState.SKIPPED)
    assert set(gone.values_list("target_id", flat=True)) == {nobody[0], uri(far, "sus")[0]}
    assert set(gone.values_list("reason", flat=True)) == {"gone"}
    waiting = FollowTask.objects.get(source=source, state=TaskState.READY)
    assert (waiting.target_id, waiting.reason) == (down[0], "not_found_yet")
    # A week on, still unreachable: still not gone.
    mastodon_clock.advance(7 * 86400)
    run_account(source.pk, clock=mastodon_clock.now)
    assert FollowTask.objects.get(target_id=down[0]).state == TaskState.READY
